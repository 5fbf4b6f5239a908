package jsonlex // import "github.com/otelcol-aoai/otelcol-aoai/internal/jsonlex"

// Problem says why the input stopped being JSON. Its text never quotes the
// input: the input may hold a credential.
type Problem uint8

// The problems a read can meet; OK is none.
const (
	OK Problem = iota
	UnexpectedEnd
	InvalidValue
	InvalidNumber
	UnterminatedString
	ControlCharacter
	UnterminatedEscape
	InvalidUnicodeEscape
	InvalidEscape
	TooDeep
	EndInObject
	ExpectedCommaOrBrace
	ExpectedKey
	ExpectedColon
	EndInArray
	ExpectedCommaOrBracket
	TrailingComma
)

var problemTexts = [...]string{
	OK:                     "no problem",
	UnexpectedEnd:          "unexpected end of input",
	InvalidValue:           "invalid value",
	InvalidNumber:          "invalid number",
	UnterminatedString:     "unterminated string",
	ControlCharacter:       "control character in string",
	UnterminatedEscape:     "unterminated escape",
	InvalidUnicodeEscape:   `invalid \u escape`,
	InvalidEscape:          "invalid escape in string",
	TooDeep:                "nesting too deep",
	EndInObject:            "unexpected end of input in object",
	ExpectedCommaOrBrace:   "expected , or } in object",
	ExpectedKey:            "expected a string key in object",
	ExpectedColon:          "expected : after object key",
	EndInArray:             "unexpected end of input in array",
	ExpectedCommaOrBracket: "expected , or ] in array",
	TrailingComma:          "trailing comma in array",
}

func (p Problem) String() string {
	if int(p) < len(problemTexts) {
		return problemTexts[p]
	}
	return "unknown problem"
}
