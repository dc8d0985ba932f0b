package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"
	"time"
)

// encodingJSON is s as encoding/json writes it with HTML escaping off.
func encodingJSON(t testing.TB, s string) string {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(s); err != nil {
		t.Fatal(err)
	}
	return strings.TrimSuffix(buf.String(), "\n")
}

// slogJSON is s as slog.JSONHandler writes an attribute's string value.
func slogJSON(t testing.TB, s string) string {
	var buf bytes.Buffer
	h := slog.NewJSONHandler(&buf, &slog.HandlerOptions{ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
		if a.Key == "v" {
			return a
		}
		return slog.Attr{} // time, level and msg dropped
	}})
	r := slog.NewRecord(time.Time{}, slog.LevelInfo, "", 0)
	r.AddAttrs(slog.String("v", s))
	if err := h.Handle(context.Background(), r); err != nil {
		t.Fatal(err)
	}
	out := strings.TrimSuffix(buf.String(), "\n")
	if !strings.HasPrefix(out, `{"v":`) || !strings.HasSuffix(out, "}") {
		t.Fatalf("slog wrote %q", out)
	}
	return out[len(`{"v":`) : len(out)-1]
}

// Each of appendQuoted's two modes writes what its encoder writes, byte for
// byte; they differ only in \b and \f.
func TestAppendQuoted(t *testing.T) {
	cases := append([]string{"\b", "\f", "a\bb\fc", "\x08\x0c\u2028"}, hostileStrings...)
	for _, s := range cases {
		if got, want := string(appendQuoted(nil, jsonEscapes, s)), encodingJSON(t, s); got != want {
			t.Errorf("json escapes of %q: %s, encoding/json writes %s", s, got, want)
		}
		if got, want := string(appendQuoted(nil, slogEscapes, s)), slogJSON(t, s); got != want {
			t.Errorf("slog escapes of %q: %s, slog writes %s", s, got, want)
		}
	}
	if j, s := string(appendQuoted(nil, jsonEscapes, "\b\f")), string(appendQuoted(nil, slogEscapes, "\b\f")); j != `"\b\f"` || s != `"\u0008\u000c"` {
		t.Errorf("\\b\\f: json %s, slog %s", j, s)
	}
	// It appends: what b held stays.
	if got := string(appendQuoted([]byte("x:"), jsonEscapes, "y")); got != `x:"y"` {
		t.Errorf("appended to x: %s", got)
	}
}

func FuzzAppendQuoted(f *testing.F) {
	for _, s := range hostileStrings {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := string(appendQuoted(nil, jsonEscapes, s)), encodingJSON(t, s); got != want {
			t.Fatalf("json escapes of %q: %s, encoding/json writes %s", s, got, want)
		}
		if got, want := string(appendQuoted(nil, slogEscapes, s)), slogJSON(t, s); got != want {
			t.Fatalf("slog escapes of %q: %s, slog writes %s", s, got, want)
		}
	})
}
