package profiles

import (
	"fmt"
	"sort"
	"strings"
)

// Problem is one thing wrong (or risky) in a profile, placed where the user must look: the file,
// the line, and the field as a dotted path (e.g. "workload.linger.ms", "sweep.points[2].acks").
type Problem struct {
	File    string `json:"file"`
	Line    int    `json:"line"` // 1-based; 0 when unknown (a profile built in code)
	Field   string `json:"field"`
	Message string `json:"message"`
}

// String prints "file:line: field: message", the form editors and CI logs link to.
func (p Problem) String() string {
	var b strings.Builder
	if p.File != "" {
		b.WriteString(p.File)
		if p.Line > 0 {
			fmt.Fprintf(&b, ":%d", p.Line)
		}
		b.WriteString(": ")
	}
	if p.Field != "" {
		b.WriteString(p.Field)
		b.WriteString(": ")
	}
	b.WriteString(p.Message)
	return b.String()
}

// ValidationError carries every problem found in a profile, so a user fixes them all in one pass.
type ValidationError struct {
	Problems []Problem
}

// Error prints one problem per line.
func (e *ValidationError) Error() string {
	lines := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		lines[i] = p.String()
	}
	return strings.Join(lines, "\n")
}

// problemList collects problems without duplicates (the same conflict can show up on many
// expanded points) and sorts them by position for reading.
type problemList struct {
	items []Problem
	seen  map[Problem]bool
}

func (l *problemList) add(p Problem) {
	if l.seen == nil {
		l.seen = map[Problem]bool{}
	}
	if l.seen[p] {
		return
	}
	l.seen[p] = true
	l.items = append(l.items, p)
}

func (l *problemList) sorted() []Problem {
	out := append([]Problem(nil), l.items...)
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].File != out[j].File {
			return out[i].File < out[j].File
		}
		return out[i].Line < out[j].Line
	})
	return out
}

// asError returns the problems as a *ValidationError, or nil when there are none.
func asError(problems []Problem) error {
	if len(problems) == 0 {
		return nil
	}
	return &ValidationError{Problems: problems}
}

// suggest returns the candidate nearest to an unknown key, or "" when none is close enough to be
// a plausible typo. Separators are compared loosely, since "linger_ms" and "linger-ms" are the
// commonest mistakes for "linger.ms".
func suggest(key string, candidates []string) string {
	norm := func(s string) string {
		return strings.NewReplacer("_", ".", "-", ".", " ", ".").Replace(strings.ToLower(s))
	}
	nk := norm(key)
	best, bestDist := "", -1
	for _, c := range candidates {
		d := editDistance(nk, norm(c))
		if bestDist < 0 || d < bestDist {
			best, bestDist = c, d
		}
	}
	limit := len(nk) / 3
	if limit < 2 {
		limit = 2
	}
	if bestDist < 0 || bestDist > limit {
		return ""
	}
	return best
}

// editDistance is the Levenshtein distance between a and b.
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}
