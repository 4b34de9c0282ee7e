package stats

import "flag"

var update = flag.Bool("update", false, "rewrite golden files and fixture runs in testdata")

// Update is the -update flag for the external tests (package stats_test), which use the fixture
// generator in statstest (statstest imports stats, so only an external test may import it).
var Update = update
