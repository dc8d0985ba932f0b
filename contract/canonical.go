package contract

import (
	"encoding"
	"encoding/json"
	"reflect"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/apikeys-dev/apikeys/model"
)

// A payload this version wrote is already what payloadOf would make of it:
// decoding it as its type's struct and encoding that again gives the same bytes.
// Reading and re-encoding cost two thirds of a 1000-event audit page's CPU; the
// canonical check below walks the bytes once against the struct's field list
// instead, and only a payload that fails it (written by an older version, by
// hand, or not of its type's shape) is decoded. FuzzCanonicalPayload holds the
// check to the decode: whatever it accepts, the decode would give back unchanged.

// shape is what the encoding of one Go type looks like.
type shape struct {
	kind   shapeKind
	fields []fieldShape // kindObject
	elem   *shape       // kindArray, kindPointer
}

type shapeKind int

const (
	kindString shapeKind = iota
	kindTime
	kindObject
	kindArray   // a slice, its elements of elem's shape
	kindPointer // null or elem's shape
	kindBool
)

type fieldShape struct {
	key       string // `"name":`
	omitEmpty bool
	shape     *shape
}

// payloadShapes is each event type's payload shape; a type whose struct holds
// something the check doesn't know has none, and is always decoded.
var payloadShapes = func() map[model.EventType]*shape {
	m := map[model.EventType]*shape{}
	for _, t := range model.EventTypes {
		p, err := model.DecodePayload(t, nil)
		if err != nil {
			continue
		}
		if s := shapeOf(reflect.TypeOf(p)); s != nil {
			m[t] = s
		}
	}
	return m
}()

var (
	timeType        = reflect.TypeFor[time.Time]()
	marshalerType   = reflect.TypeFor[json.Marshaler]()
	unmarshalerType = reflect.TypeFor[json.Unmarshaler]()
	textType        = reflect.TypeFor[encoding.TextMarshaler]()
	untextType      = reflect.TypeFor[encoding.TextUnmarshaler]()
)

// shapeOf is t's encoding shape, or nil where encoding/json would do something
// the check doesn't follow (a custom marshaller, a number, a map, a name clash).
func shapeOf(t reflect.Type) *shape {
	if t == timeType {
		return &shape{kind: kindTime}
	}
	for _, it := range []reflect.Type{marshalerType, unmarshalerType, textType, untextType} {
		if t.Implements(it) || reflect.PointerTo(t).Implements(it) {
			return nil
		}
	}
	switch t.Kind() {
	case reflect.String:
		return &shape{kind: kindString}
	case reflect.Bool:
		return &shape{kind: kindBool}
	case reflect.Pointer:
		if e := shapeOf(t.Elem()); e != nil && t.Elem().Kind() == reflect.Struct {
			return &shape{kind: kindPointer, elem: e}
		}
	case reflect.Slice:
		if e := shapeOf(t.Elem()); e != nil && (e.kind == kindString || e.kind == kindObject) {
			return &shape{kind: kindArray, elem: e}
		}
	case reflect.Struct:
		s := &shape{kind: kindObject}
		if !appendFields(s, t, map[string]bool{}) {
			return nil
		}
		return s
	}
	return nil
}

// appendFields adds t's fields in encoding order, an embedded struct's where it
// is embedded; false on anything but plain tagged fields and embedded structs.
func appendFields(s *shape, t reflect.Type, seen map[string]bool) bool {
	for i := range t.NumField() {
		f := t.Field(i)
		if f.Anonymous {
			if f.Type.Kind() != reflect.Struct || f.Type == timeType || f.Tag.Get("json") != "" || !appendFields(s, f.Type, seen) {
				return false
			}
			continue
		}
		if !f.IsExported() {
			continue
		}
		name, opts, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "" || name == "-" || seen[name] || strings.ContainsAny(name, `"\<>&`) ||
			(opts != "" && opts != "omitempty") {
			return false
		}
		seen[name] = true
		fs := shapeOf(f.Type)
		if fs == nil || (opts == "omitempty" && fs.kind == kindObject) {
			return false
		}
		s.fields = append(s.fields, fieldShape{key: `"` + name + `":`, omitEmpty: opts == "omitempty", shape: fs})
	}
	return true
}

// canonicalPayload reports whether raw is exactly what decoding it as t's
// payload struct and encoding that would give.
func canonicalPayload(t model.EventType, raw []byte) bool {
	s, ok := payloadShapes[t]
	if !ok {
		return false
	}
	n, ok := s.match(raw)
	return ok && n == len(raw)
}

// match reports how many bytes at the start of b are a canonical encoding of
// the shape.
func (s *shape) match(b []byte) (int, bool) {
	switch s.kind {
	case kindString:
		return matchString(b)
	case kindBool:
		switch {
		case hasPrefix(b, "true"):
			return 4, true
		case hasPrefix(b, "false"):
			return 5, true
		}
		return 0, false
	case kindTime:
		n, ok := matchString(b)
		if !ok || n < 2 {
			return 0, false
		}
		v := string(b[1 : n-1])
		t, err := time.Parse(time.RFC3339Nano, v)
		if err != nil || t.Format(time.RFC3339Nano) != v {
			return 0, false
		}
		return n, true
	case kindPointer:
		if hasPrefix(b, "null") {
			return 4, true
		}
		return s.elem.match(b)
	case kindArray:
		if hasPrefix(b, "null") {
			return 4, true
		}
		return s.matchArray(b)
	case kindObject:
		return s.matchObject(b)
	}
	return 0, false
}

func (s *shape) matchArray(b []byte) (int, bool) {
	if len(b) == 0 || b[0] != '[' {
		return 0, false
	}
	i := 1
	if i < len(b) && b[i] == ']' {
		return 2, true
	}
	for {
		n, ok := s.elem.match(b[i:])
		if !ok {
			return 0, false
		}
		i += n
		if i >= len(b) {
			return 0, false
		}
		switch b[i] {
		case ']':
			return i + 1, true
		case ',':
			i++
		default:
			return 0, false
		}
	}
}

func (s *shape) matchObject(b []byte) (int, bool) {
	if len(b) == 0 || b[0] != '{' {
		return 0, false
	}
	i, first := 1, true
	for _, f := range s.fields {
		at := i
		if !first {
			if at >= len(b) || b[at] != ',' {
				if f.omitEmpty {
					continue
				}
				return 0, false
			}
			at++
		}
		if !hasPrefix(b[at:], f.key) {
			if f.omitEmpty {
				continue
			}
			return 0, false
		}
		at += len(f.key)
		n, ok := f.shape.match(b[at:])
		if !ok {
			return 0, false
		}
		// An omitempty field is left out when empty, so an empty one written out
		// is not what the encoder makes.
		if f.omitEmpty && emptyValue(f.shape, b[at:at+n]) {
			return 0, false
		}
		i, first = at+n, false
	}
	if i >= len(b) || b[i] != '}' {
		return 0, false
	}
	return i + 1, true
}

func emptyValue(s *shape, v []byte) bool {
	switch s.kind {
	case kindString:
		return string(v) == `""`
	case kindBool:
		return string(v) == "false"
	case kindArray:
		return string(v) == "null" || string(v) == "[]"
	case kindPointer:
		return string(v) == "null"
	}
	return false
}

func hasPrefix(b []byte, p string) bool { return len(b) >= len(p) && string(b[:len(p)]) == p }

// matchString reports the length of the JSON string at the start of b if it is
// written the way encoding/json writes the text it decodes to (HTML escaped, as
// json.Marshal does): printable ASCII other than " \ < > & as is, valid UTF-8
// other than U+2028 and U+2029 as is, and exactly the encoder's escapes for the
// rest. Anything else (\/, an upper-case \u00XX, an escaped letter, \ufffd)
// decodes to text the encoder would write differently.
func matchString(b []byte) (int, bool) {
	if len(b) == 0 || b[0] != '"' {
		return 0, false
	}
	for i := 1; i < len(b); {
		c := b[i]
		switch {
		case c == '"':
			return i + 1, true
		case c == '\\':
			n := escapeLen(b[i:])
			if n == 0 {
				return 0, false
			}
			i += n
		case c < 0x20 || c == '<' || c == '>' || c == '&':
			return 0, false
		case c < utf8.RuneSelf:
			i++
		default:
			r, size := utf8.DecodeRune(b[i:])
			if (r == utf8.RuneError && size == 1) || r == '\u2028' || r == '\u2029' {
				return 0, false
			}
			i += size
		}
	}
	return 0, false
}

// escapeLen is the length of the escape at the start of b if it is one the
// encoder writes, else 0.
func escapeLen(b []byte) int {
	if len(b) < 2 {
		return 0
	}
	switch b[1] {
	case '"', '\\', 'b', 'f', 'n', 'r', 't':
		return 2
	case 'u':
		if len(b) < 6 {
			return 0
		}
		switch string(b[2:6]) {
		case "2028", "2029", "003c", "003e", "0026":
			return 6
		}
		// A control byte: \u0000 to \u001f, lower-case hex.
		if string(b[2:4]) != "00" || (b[4] != '0' && b[4] != '1') || !lowerHex(b[5]) {
			return 0
		}
		switch c := (b[4]-'0')<<4 | hexVal(b[5]); c {
		case '\b', '\f', '\n', '\r', '\t':
			return 0 // written as the short escape
		}
		return 6
	}
	return 0
}

func lowerHex(c byte) bool { return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' }

func hexVal(c byte) byte {
	if c <= '9' {
		return c - '0'
	}
	return c - 'a' + 10
}
