// Package jsonlex reads JSON at the level of tokens: it skips whitespace,
// checks strings (their escapes and, when strict, their UTF-8) and decodes
// them, reads numbers and literals, and skips whole values. It is the one
// lexer under the exchange-record decoder and the processor's body reader;
// a Mode says how much of the grammar each of them has checked.
//
// It keeps no state: every function takes the input as a string and a
// position in it and returns the position after what it read, so that a
// token is a substring of the input, never a copy. On a problem the
// returned position is where the input stopped being JSON.
package jsonlex // import "github.com/otelcol-aoai/otelcol-aoai/internal/jsonlex"
