package model

import (
	"strings"
	"testing"
)

// everyStartCuts is secretCuts as it was before it skipped to the underscores:
// every start tried. The reference the skipping scan must match.
func everyStartCuts(s string) [][2]int {
	var cuts [][2]int
	for i := 0; i+len(secretPrefix)+4 <= len(s); i++ {
		if !secretPrefixAt(s, i) {
			continue
		}
		r0 := i + len(secretPrefix) + 4
		r1 := r0
		for r1 < len(s) && isBase62(s[r1]) {
			r1++
		}
		n := r1 - r0
		if n <= hintRun {
			continue
		}
		c := [2]int{r0 + hintRun, r1}
		if n == secretBodyLen+secretCRCLen {
			c[1] = r1 - hintRun
		}
		if k := len(cuts) - 1; k >= 0 && c[0] <= cuts[k][1] {
			cuts[k][1] = max(cuts[k][1], c[1])
			continue
		}
		cuts = append(cuts, c)
	}
	return cuts
}

var scanCases = []string{
	"", "_", "apk_", "apk_imp_", "apk_imp_abcd", "apk_imp_abcde", "xapk_imp_abcde", "apk_imp_abcdeapk_aud_fghij",
	"___apk_imp_abcde___", "apk__imp_abcde", "APK_IMP_ABCDEF", "apk_xyz_abcdef", "apk_aud_apk_aud_apk_aud_xxxxxxxx",
	"apk_imp_" + strings.Repeat("a", secretBodyLen+secretCRCLen), "…apk_imp_abcde…", "apk_imp_abcd_apk_mdm_xyzwv",
	`{"time":"2026-12-02T00:00:00Z","level":"INFO","msg":"http request","method":"apk_imp_abcdefgh","path":"/"}`,
}

// The skipping scan cuts exactly what trying every start cut.
func TestSecretCutsMatchesEveryStart(t *testing.T) {
	for _, s := range scanCases {
		if got, want := secretCuts(s), everyStartCuts(s); !equalCuts(got, want) {
			t.Errorf("secretCuts(%q) = %v, every start: %v", s, got, want)
		}
	}
}

func FuzzSecretCutsMatchesEveryStart(f *testing.F) {
	for _, s := range scanCases {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := secretCuts(s), everyStartCuts(s); !equalCuts(got, want) {
			t.Fatalf("secretCuts(%q) = %v, every start: %v", s, got, want)
		}
	})
}

func equalCuts(a, b [][2]int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// BenchmarkRedactWriterAccessLine is one access log line, no secret in it,
// through RedactWriter: what every request's line costs to check.
func BenchmarkRedactWriterAccessLine(b *testing.B) {
	line := []byte(`{"time":"2026-12-02T00:41:08.123456789Z","level":"INFO","msg":"http request","requestId":"3f2a9c1b0d4e-1x2y3z","method":"POST","path":"/api/v1/keys/verify","status":200,"bytes":131,"duration":41234,"addr":"127.0.0.1:50000","keyId":"key_0123456789abcdef0123"}` + "\n")
	w := RedactWriter(discard{})
	b.ReportAllocs()
	for b.Loop() {
		_, _ = w.Write(line)
	}
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }
