package storetest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

// assertEqual fails the test with one line per differing field. Times must be
// the same instant and come back in UTC; a nil and an empty slice are equal (a
// store may return either for "none"); JSON payloads compare by meaning, not by
// bytes, since a database may re-encode them.
func assertEqual(t *testing.T, what string, want, got any) {
	t.Helper()
	var diffs []string
	diff(&diffs, "", reflect.ValueOf(want), reflect.ValueOf(got))
	if len(diffs) > 0 {
		t.Fatalf("%s differs:\n\t%s", what, strings.Join(diffs, "\n\t"))
	}
}

var (
	timeType = reflect.TypeFor[time.Time]()
	rawType  = reflect.TypeFor[json.RawMessage]()
)

func diff(out *[]string, path string, want, got reflect.Value) {
	if want.Type() != got.Type() {
		*out = append(*out, fmt.Sprintf("%s: type %v, want %v", path, got.Type(), want.Type()))
		return
	}
	switch {
	case want.Type() == timeType:
		w, g := want.Interface().(time.Time), got.Interface().(time.Time)
		if !w.Equal(g) {
			*out = append(*out, fmt.Sprintf("%s: got %s, want %s", path, fmtTime(g), fmtTime(w)))
		} else if g.Location() != time.UTC {
			*out = append(*out, fmt.Sprintf("%s: got %s in zone %v, want UTC", path, fmtTime(g), g.Location()))
		}
		return
	case want.Type() == rawType:
		if !sameJSON(want.Bytes(), got.Bytes()) {
			*out = append(*out, fmt.Sprintf("%s: got JSON %s, want %s", path, got.Bytes(), want.Bytes()))
		}
		return
	}
	switch want.Kind() {
	case reflect.Pointer:
		switch {
		case want.IsNil() && got.IsNil():
		case want.IsNil():
			*out = append(*out, fmt.Sprintf("%s: got %v, want nil", path, show(got.Elem())))
		case got.IsNil():
			*out = append(*out, fmt.Sprintf("%s: got nil, want %v", path, show(want.Elem())))
		default:
			diff(out, path, want.Elem(), got.Elem())
		}
	case reflect.Struct:
		for i := range want.NumField() {
			name := want.Type().Field(i).Name
			if path != "" {
				name = path + "." + name
			}
			diff(out, name, want.Field(i), got.Field(i))
		}
	case reflect.Slice:
		if want.Type().Elem().Kind() == reflect.Uint8 {
			if !bytes.Equal(want.Bytes(), got.Bytes()) {
				*out = append(*out, fmt.Sprintf("%s: got %x, want %x", path, got.Bytes(), want.Bytes()))
			}
			return
		}
		if want.Len() != got.Len() {
			*out = append(*out, fmt.Sprintf("%s: got %d elements, want %d", path, got.Len(), want.Len()))
			return
		}
		for i := range want.Len() {
			diff(out, fmt.Sprintf("%s[%d]", path, i), want.Index(i), got.Index(i))
		}
	default:
		if !reflect.DeepEqual(want.Interface(), got.Interface()) {
			*out = append(*out, fmt.Sprintf("%s: got %#v, want %#v", path, got.Interface(), want.Interface()))
		}
	}
}

func show(v reflect.Value) any {
	if v.Type() == timeType {
		return fmtTime(v.Interface().(time.Time))
	}
	return v.Interface()
}

func fmtTime(t time.Time) string { return t.Format(time.RFC3339Nano) }

func sameJSON(a, b []byte) bool {
	var x, y any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return bytes.Equal(a, b)
	}
	return reflect.DeepEqual(x, y)
}

// ids lists the IDs of keys or events, for order assertions with readable output.
func ids[T any](items []T, id func(T) string) []string {
	out := make([]string, len(items))
	for i, it := range items {
		out[i] = id(it)
	}
	return out
}

func assertOrder(t *testing.T, what string, want, got []string) {
	t.Helper()
	if !slices.Equal(want, got) {
		t.Fatalf("%s:\n\tgot  %v\n\twant %v", what, got, want)
	}
}
