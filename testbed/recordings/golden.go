package recordings

import "strings"

// goldenNameReplacer turns an exchange name into a file name that is the same
// on every file system: no folders, no brackets, parentheses or spaces.
var goldenNameReplacer = strings.NewReplacer("/", "__", "#", "_", "[", "_", "]", "_", "(", "_", ")", "_", " ", "_")

// GoldenName is the base name of the golden file of the exchange named name
// ("<file>#<index>"), the same in every package that keeps golden files of
// the recordings: "openllmetry/test_chat.yaml#0" is
// "openllmetry__test_chat.yaml_0".
func GoldenName(name string) string { return goldenNameReplacer.Replace(name) }
