package sshd

import (
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/apikeys-dev/apikeys/model"
)

var (
	errCommandTooLong = errors.New("command line too long")
	errNoClosingQuote = errors.New("no closing quotation")
	errNoEscaped      = errors.New("nothing after the final backslash")
)

// splitCommandLine splits what the client sent as its command into words as a
// POSIX shell would (without expansions): words are separated by white space;
// '…' keeps everything literally; "…" keeps everything but \" and \\, which
// stand for " and \; a backslash outside quotes keeps the next character. An
// empty quoted word (” or "") is a word. Bytes that are not UTF-8 are kept.
//
// It replaces the SSH library's go-shlex, whose words grow by string
// concatenation, one rune at a time: quadratic, 12 s of CPU for one 260 KB word.
// This is one pass over the line into a strings.Builder. A line longer than
// MaxCommandLine is refused before it is read.
func splitCommandLine(line string) ([]string, error) {
	if len(line) > MaxCommandLine {
		return nil, errCommandTooLong
	}
	var (
		words  []string
		word   strings.Builder
		inWord bool
	)
	for i := 0; i < len(line); {
		r, size := utf8.DecodeRuneInString(line[i:])
		switch {
		case r == '\'':
			end := strings.IndexByte(line[i+1:], '\'')
			if end < 0 {
				return nil, errNoClosingQuote
			}
			word.WriteString(line[i+1 : i+1+end])
			i += end + 2
			inWord = true
		case r == '"':
			n, err := doubleQuoted(&word, line[i+1:])
			if err != nil {
				return nil, err
			}
			i += 1 + n
			inWord = true
		case r == '\\':
			if i+1 >= len(line) {
				return nil, errNoEscaped
			}
			_, n := utf8.DecodeRuneInString(line[i+1:])
			word.WriteString(line[i+1 : i+1+n])
			i += 1 + n
			inWord = true
		case unicode.IsSpace(r):
			if inWord {
				words = append(words, word.String())
				word.Reset()
				inWord = false
			}
			i += size
		default:
			word.WriteString(line[i : i+size])
			i += size
			inWord = true
		}
	}
	if inWord {
		words = append(words, word.String())
	}
	return words, nil
}

// doubleQuoted copies the inside of a "…" word (s starts after the opening
// quote) and returns how many bytes it took, the closing quote included. " and
// \ are ASCII, so scanning bytes never splits a UTF-8 character.
func doubleQuoted(word *strings.Builder, s string) (int, error) {
	for i := 0; i < len(s); {
		j := strings.IndexAny(s[i:], `"\`)
		if j < 0 {
			break
		}
		word.WriteString(s[i : i+j])
		i += j
		if s[i] == '"' {
			return i + 1, nil
		}
		if i+1 >= len(s) {
			return 0, errNoEscaped
		}
		if next := s[i+1]; next == '"' || next == '\\' {
			word.WriteByte(next)
		} else {
			// Any other backslash is itself; the next character is read as usual.
			word.WriteString(s[i : i+2])
		}
		i += 2
	}
	return 0, errNoClosingQuote
}

// commandLineMessage is what the member is told about a command line that
// can't be run.
func commandLineMessage(err error) string {
	switch {
	case errors.Is(err, errCommandTooLong):
		return fmt.Sprintf("The command line is longer than %d KiB; pass long values in a file or on standard input.", MaxCommandLine>>10)
	case errors.Is(err, errNoClosingQuote):
		return "The command line has a quote that is never closed."
	default:
		return "The command line ends with a lone backslash."
	}
}

// commandName is what the logs say was run: only the leading words that name a
// known command (per known, skipping flags), never a value or argument, which
// could be anything a member typed, a secret included. The rest is counted.
func commandName(args []string, known func([]string) []string) string {
	var words []string
	if known != nil {
		words = known(args)
	}
	for i, w := range words {
		words[i] = model.Sanitize(w)
	}
	name := strings.Join(words, " ")
	if name == "" {
		name = "(unknown)"
	}
	if rest := len(args) - len(words); rest > 0 {
		name += fmt.Sprintf(" (+%d)", rest)
	}
	return name
}
