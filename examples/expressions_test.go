package examples

import (
	"fmt"
	"strings"
)

// policyExpression is one C# expression of a policy: @(...) or @{...}, as an
// attribute value or as an element's text.
type policyExpression struct {
	line        int    // of the policy file, where the expression starts
	code        string // between the outer brackets, XML entities decoded
	inAttribute bool   // an attribute value: XML turns its line ends into spaces
}

// extractExpressions finds the policy expressions of a policy document. API
// Management reads an expression before the XML around it (policies write
// quotes, && and As<T> unescaped inside them), so this is no XML parser: an
// expression starts with @( or @{ right after =" or after an element's > and
// ends at its matching bracket, found with C# strings and comments skipped.
func extractExpressions(doc string) ([]policyExpression, error) {
	var found []policyExpression
	for i := 0; i < len(doc); i++ {
		if strings.HasPrefix(doc[i:], "<!--") {
			end := strings.Index(doc[i:], "-->")
			if end < 0 {
				return nil, fmt.Errorf("line %d: comment not closed", lineOf(doc, i))
			}
			i += end + 2
			continue
		}
		if !strings.HasPrefix(doc[i:], "@(") && !strings.HasPrefix(doc[i:], "@{") {
			continue
		}
		before := strings.TrimRight(doc[:i], " \t\r\n")
		inAttribute := strings.HasSuffix(before, "=\"") || strings.HasSuffix(before, "='")
		if !inAttribute && !strings.HasSuffix(before, ">") {
			continue
		}
		end, err := matchingBracket(doc, i+1)
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", lineOf(doc, i), err)
		}
		found = append(found, policyExpression{line: lineOf(doc, i), code: decodeEntities(doc[i+2 : end]), inAttribute: inAttribute})
		i = end
	}
	return found, nil
}

// matchingBracket returns the index of the bracket that closes the one at
// open, skipping C# string and character literals and comments.
func matchingBracket(s string, open int) (int, error) {
	depth := 0
	for i := open; i < len(s); i++ {
		switch c := s[i]; {
		case c == '(' || c == '{' || c == '[':
			depth++
		case c == ')' || c == '}' || c == ']':
			depth--
			if depth == 0 {
				return i, nil
			}
		case c == '"' || c == '\'':
			end, err := literalEnd(s, i)
			if err != nil {
				return 0, err
			}
			i = end
		case c == '/' && i+1 < len(s) && (s[i+1] == '/' || s[i+1] == '*'):
			i = commentEnd(s, i)
		}
	}
	return 0, fmt.Errorf("expression not closed")
}

// literalEnd returns the index of the quote that closes the string or char
// literal starting at i; @"..." verbatim strings double their quotes.
func literalEnd(s string, i int) (int, error) {
	quote := s[i]
	verbatim := quote == '"' && i > 0 && s[i-1] == '@'
	for j := i + 1; j < len(s); j++ {
		switch {
		case s[j] == '\\' && !verbatim:
			j++
		case s[j] == quote && verbatim && j+1 < len(s) && s[j+1] == quote:
			j++
		case s[j] == quote:
			return j, nil
		}
	}
	return 0, fmt.Errorf("literal not closed")
}

func commentEnd(s string, i int) int {
	if s[i+1] == '/' {
		if nl := strings.IndexByte(s[i:], '\n'); nl >= 0 {
			return i + nl
		}
		return len(s) - 1
	}
	if end := strings.Index(s[i+2:], "*/"); end >= 0 {
		return i + 2 + end + 1
	}
	return len(s) - 1
}

func lineOf(s string, i int) int { return strings.Count(s[:i], "\n") + 1 }

var entities = strings.NewReplacer("&lt;", "<", "&gt;", ">", "&quot;", "\"", "&apos;", "'", "&amp;", "&")

func decodeEntities(s string) string { return entities.Replace(s) }

// token is one C# token: an identifier, a literal (string, char, number) or
// punctuation.
type token struct {
	kind byte // 'i' identifier, 'l' literal, 'p' punctuation
	text string
}

// twoCharPunct are the two-character operators the checker tells apart; >>
// is left as two tokens, it closes nested generic arguments.
var twoCharPunct = map[string]bool{
	"?.": true, "=>": true, "==": true, "!=": true, "<=": true, ">=": true, "&&": true, "||": true,
	"??": true, "++": true, "--": true, "+=": true, "-=": true, "*=": true, "/=": true,
}

// hasLineComment reports a // comment outside string literals. In an
// attribute value it would run to the end of the whole expression once XML has
// turned the line ends into spaces.
func hasLineComment(code string) bool {
	for i := 0; i < len(code); i++ {
		switch {
		case code[i] == '"' || code[i] == '\'':
			end, err := literalEnd(code, i)
			if err != nil {
				return false
			}
			i = end
		case strings.HasPrefix(code[i:], "/*"):
			i = commentEnd(code, i)
		case strings.HasPrefix(code[i:], "//"):
			return true
		}
	}
	return false
}

// tokenize cuts C# code into tokens; comments go, literals keep no text.
// Interpolated strings ($"...{x}") are refused: the code in their holes would
// go unchecked.
func tokenize(code string) ([]token, error) {
	var tokens []token
	for i := 0; i < len(code); i++ {
		c := code[i]
		switch {
		case c == ' ' || c == '\t' || c == '\r' || c == '\n':
		case c == '/' && i+1 < len(code) && (code[i+1] == '/' || code[i+1] == '*'):
			i = commentEnd(code, i)
		case c == '$' && i+1 < len(code) && (code[i+1] == '"' || code[i+1] == '@'):
			return nil, fmt.Errorf("interpolated string: the checker cannot read the code in its holes; concatenate instead")
		case c == '@' && i+1 < len(code) && code[i+1] == '"':
			end, err := literalEnd(code, i+1)
			if err != nil {
				return nil, err
			}
			tokens = append(tokens, token{kind: 'l'})
			i = end
		case c == '"' || c == '\'':
			end, err := literalEnd(code, i)
			if err != nil {
				return nil, err
			}
			tokens = append(tokens, token{kind: 'l'})
			i = end
		case isIdentStart(c):
			j := i
			for j < len(code) && (isIdentStart(code[j]) || code[j] >= '0' && code[j] <= '9') {
				j++
			}
			tokens = append(tokens, token{kind: 'i', text: code[i:j]})
			i = j - 1
		case c >= '0' && c <= '9':
			j := i
			for j < len(code) && (isIdentStart(code[j]) || code[j] >= '0' && code[j] <= '9' ||
				code[j] == '.' && j+1 < len(code) && code[j+1] >= '0' && code[j+1] <= '9') {
				j++
			}
			tokens = append(tokens, token{kind: 'l'})
			i = j - 1
		case i+1 < len(code) && twoCharPunct[code[i:i+2]]:
			tokens = append(tokens, token{kind: 'p', text: code[i : i+2]})
			i++
		default:
			tokens = append(tokens, token{kind: 'p', text: string(c)})
		}
	}
	return tokens, nil
}

func isIdentStart(c byte) bool { return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }
