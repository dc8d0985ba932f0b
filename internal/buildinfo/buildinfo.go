// Package buildinfo says which build of apikeys is running: the version, commit
// and build date stamped at link time, else what the Go toolchain recorded.
//
// A release build sets them with -ldflags:
//
//	go build -ldflags "-X github.com/apikeys-dev/apikeys/internal/buildinfo.version=v1.2.0 \
//	  -X github.com/apikeys-dev/apikeys/internal/buildinfo.commit=$(git rev-parse HEAD) \
//	  -X github.com/apikeys-dev/apikeys/internal/buildinfo.date=$(date -u +%FT%TZ)" ./cmd/apikeys
//
// Without them, `go install …@v1.2.0` still reports v1.2.0, and a build from a git
// checkout reports the commit and its time (runtime/debug.ReadBuildInfo).
package buildinfo

import (
	"runtime"
	"runtime/debug"
	"sync"
)

// Set by -ldflags "-X …"; empty means "ask the build info".
var (
	version string
	commit  string
	date    string
)

// Info describes one build. Fields the build did not record are "unknown".
type Info struct {
	Version   string `json:"version"`
	Commit    string `json:"commit"`
	Date      string `json:"date"`
	GoVersion string `json:"goVersion"`
	// Modified reports a build from a work tree with uncommitted changes.
	Modified bool `json:"modified,omitempty"`
}

var get = sync.OnceValue(func() Info {
	bi, _ := debug.ReadBuildInfo()
	return resolve(version, commit, date, bi)
})

// Get returns this binary's build.
func Get() Info { return get() }

// Version is this binary's version, such as "v1.2.0" or "devel".
func Version() string { return Get().Version }

// UserAgent is what apikeys sends as its HTTP User-Agent: "apikeys/v1.2.0".
func UserAgent() string { return "apikeys/" + Version() }

// String is the one line `apikeys --version` prints.
func (i Info) String() string {
	s := i.Version + " (commit " + i.Commit
	if i.Modified {
		s += ", modified"
	}
	return s + ", built " + i.Date + ", " + i.GoVersion + ")"
}

// resolve prefers the link-time values, then the module version and VCS stamps.
func resolve(v, c, d string, bi *debug.BuildInfo) Info {
	i := Info{Version: v, Commit: c, Date: d, GoVersion: runtime.Version()}
	if bi != nil {
		if i.Version == "" && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
			i.Version = bi.Main.Version
		}
		if bi.GoVersion != "" {
			i.GoVersion = bi.GoVersion
		}
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				if i.Commit == "" {
					i.Commit = s.Value
				}
			case "vcs.time":
				if i.Date == "" {
					i.Date = s.Value
				}
			case "vcs.modified":
				i.Modified = s.Value == "true" && c == ""
			}
		}
	}
	if i.Version == "" {
		i.Version = "devel"
	}
	if i.Commit == "" {
		i.Commit = "unknown"
	}
	if i.Date == "" {
		i.Date = "unknown"
	}
	return i
}
