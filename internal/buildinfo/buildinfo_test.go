package buildinfo

import (
	"runtime/debug"
	"testing"
)

func TestResolve(t *testing.T) {
	vcs := &debug.BuildInfo{
		GoVersion: "go1.26.8",
		Main:      debug.Module{Version: "(devel)"},
		Settings: []debug.BuildSetting{
			{Key: "vcs.revision", Value: "abc123"},
			{Key: "vcs.time", Value: "2027-03-01T10:00:00Z"},
			{Key: "vcs.modified", Value: "true"},
		},
	}
	tagged := &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "v1.4.0"}}
	tests := []struct {
		name    string
		v, c, d string
		bi      *debug.BuildInfo
		want    Info
	}{
		{"ldflags win over vcs", "v1.2.0", "deadbeef", "2027-04-01T00:00:00Z", vcs,
			Info{Version: "v1.2.0", Commit: "deadbeef", Date: "2027-04-01T00:00:00Z", GoVersion: "go1.26.8"}},
		{"vcs stamps of a checkout", "", "", "", vcs,
			Info{Version: "devel", Commit: "abc123", Date: "2027-03-01T10:00:00Z", GoVersion: "go1.26.8", Modified: true}},
		{"go install of a tag", "", "", "", tagged,
			Info{Version: "v1.4.0", Commit: "unknown", Date: "unknown", GoVersion: "go1.26.8"}},
		{"nothing recorded", "", "", "", nil,
			Info{Version: "devel", Commit: "unknown", Date: "unknown", GoVersion: Get().GoVersion}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := resolve(tt.v, tt.c, tt.d, tt.bi)
			if tt.bi == nil {
				got.GoVersion = tt.want.GoVersion // runtime.Version(): whatever runs the test
			}
			if got != tt.want {
				t.Errorf("resolve = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestUserAgent(t *testing.T) {
	if got, want := UserAgent(), "apikeys/"+Version(); got != want {
		t.Errorf("UserAgent() = %q, want %q", got, want)
	}
}
