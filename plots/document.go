package plots

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"html"
	"io"
	"strings"
)

// A document is a report's content independent of its format: the markdown and HTML writers
// render the same blocks, so the two formats can never say different things.
type document struct {
	title    string
	sections []section
}

type section struct {
	heading string
	blocks  []block
}

// block is one of: paragraph, list, table, code, image.
type block struct {
	kind   string // "p", "list", "table", "code", "image"
	text   string
	items  []string
	header []string
	rows   [][]string
	right  []bool // per column: right-aligned (numbers)
	chart  *Chart // image: the chart to embed (HTML) or link (markdown)
	link   string // image: path of the PNG for markdown
}

func para(format string, args ...any) block {
	return block{kind: "p", text: fmt.Sprintf(format, args...)}
}

// writeMarkdown renders d as GitHub-flavoured markdown.
func (d document) writeMarkdown(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "# %s\n", d.title)
	for _, s := range d.sections {
		fmt.Fprintf(&b, "\n## %s\n", s.heading)
		for _, bl := range s.blocks {
			b.WriteString("\n")
			switch bl.kind {
			case "p":
				b.WriteString(mdEscapeLine(bl.text) + "\n")
			case "list":
				for _, it := range bl.items {
					b.WriteString("- " + mdEscapeLine(it) + "\n")
				}
			case "table":
				b.WriteString("| " + strings.Join(mdCells(bl.header), " | ") + " |\n|")
				for i := range bl.header {
					if i < len(bl.right) && bl.right[i] {
						b.WriteString("---:|")
					} else {
						b.WriteString("---|")
					}
				}
				b.WriteString("\n")
				for _, r := range bl.rows {
					b.WriteString("| " + strings.Join(mdCells(r), " | ") + " |\n")
				}
			case "code":
				fence := "```"
				for strings.Contains(bl.text, fence) {
					fence += "`"
				}
				b.WriteString(fence + "yaml\n" + strings.TrimRight(bl.text, "\n") + "\n" + fence + "\n")
			case "image":
				fmt.Fprintf(&b, "![%s](%s)\n", mdEscapeLine(bl.text), bl.link)
			}
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// mdCells keeps cell text from breaking a markdown table.
func mdCells(cells []string) []string {
	out := make([]string, len(cells))
	for i, c := range cells {
		out[i] = strings.NewReplacer("|", "\\|", "\n", " ").Replace(c)
	}
	return out
}

// mdEscapeLine keeps user text (level names, errors) from starting markdown constructs.
func mdEscapeLine(s string) string {
	return strings.NewReplacer("\n", " ", "<", "&lt;").Replace(s)
}

// reportCSS is the HTML report's only style: inline, so the file opens with no network.
const reportCSS = `body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,"Liberation Sans",sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#222;line-height:1.45}
h1{font-size:1.6rem}h2{font-size:1.25rem;margin-top:2rem;border-bottom:1px solid #ddd;padding-bottom:.2rem}
table{border-collapse:collapse;margin:.5rem 0;font-size:.9rem}th,td{border:1px solid #ccc;padding:.25rem .5rem;vertical-align:top}
th{background:#f3f3f3}td.r{text-align:right;font-variant-numeric:tabular-nums}
pre{background:#f6f6f6;padding:.75rem;overflow:auto;font-size:.85rem}figure{margin:1rem 0}img{max-width:100%;height:auto}
figcaption{font-size:.9rem;color:#555}`

// writeHTML renders d as one self-contained HTML file: CSS inline and charts as base64 PNGs.
func (d document) writeHTML(w io.Writer) error {
	var b strings.Builder
	e := html.EscapeString
	fmt.Fprintf(&b, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>%s</title>\n<style>\n%s\n</style>\n</head>\n<body>\n<h1>%s</h1>\n",
		e(d.title), reportCSS, e(d.title))
	for _, s := range d.sections {
		fmt.Fprintf(&b, "<h2>%s</h2>\n", e(s.heading))
		for _, bl := range s.blocks {
			switch bl.kind {
			case "p":
				fmt.Fprintf(&b, "<p>%s</p>\n", e(bl.text))
			case "list":
				b.WriteString("<ul>\n")
				for _, it := range bl.items {
					fmt.Fprintf(&b, "<li>%s</li>\n", e(it))
				}
				b.WriteString("</ul>\n")
			case "table":
				b.WriteString("<table>\n<tr>")
				for _, h := range bl.header {
					fmt.Fprintf(&b, "<th>%s</th>", e(h))
				}
				b.WriteString("</tr>\n")
				for _, r := range bl.rows {
					b.WriteString("<tr>")
					for i, c := range r {
						if i < len(bl.right) && bl.right[i] {
							fmt.Fprintf(&b, "<td class=\"r\">%s</td>", e(c))
						} else {
							fmt.Fprintf(&b, "<td>%s</td>", e(c))
						}
					}
					b.WriteString("</tr>\n")
				}
				b.WriteString("</table>\n")
			case "code":
				fmt.Fprintf(&b, "<pre>%s</pre>\n", e(bl.text))
			case "image":
				if bl.chart == nil {
					continue
				}
				var png bytes.Buffer
				if err := bl.chart.WritePNG(&png); err != nil {
					return err
				}
				fmt.Fprintf(&b, "<figure><img alt=\"%s\" src=\"data:image/png;base64,%s\"><figcaption>%s</figcaption></figure>\n",
					e(bl.text), base64.StdEncoding.EncodeToString(png.Bytes()), e(bl.text))
			}
		}
	}
	b.WriteString("</body>\n</html>\n")
	_, err := io.WriteString(w, b.String())
	return err
}
