package main

import (
	"context"
	"log/slog"
	"os"
	"os/signal"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/pflag"

	"github.com/apikeys-dev/apikeys/server/certs"
	"github.com/apikeys-dev/apikeys/server/httpapi"
)

// reloadable are the settings SIGHUP applies without a restart; the others are
// read once, and a change to them in the file is logged as needing a restart.
var reloadable = []string{"http-rate-limit", "http-rate-window", "idle-timeout"}

// reloadTargets are what a SIGHUP can change.
type reloadTargets struct {
	cert *certs.Reloader // nil without --tls-cert
	api  *httpapi.Server // nil without --http-addr
	ssh  any             // the SSH server; see idleTimeoutSetter
}

// idleTimeoutSetter is what the SSH server needs for --idle-timeout to reload:
// SetIdleTimeout(d), d as sshd.Config.IdleTimeout takes it (negative: never),
// applying to sessions from then on. Until it has one, a change is logged as
// needing a restart.
type idleTimeoutSetter interface{ SetIdleTimeout(time.Duration) }

// reloadOnHUP reloads on every SIGHUP (or a.hup in tests) until ctx is done.
func (a *app) reloadOnHUP(ctx context.Context, log *slog.Logger, f serveFlags, t reloadTargets) error {
	hup := a.hup
	if hup == nil {
		ch := make(chan os.Signal, 1)
		signal.Notify(ch, syscall.SIGHUP)
		defer signal.Stop(ch)
		hup = ch
	}
	cur := map[string]string{}
	if f.set != nil {
		f.set.VisitAll(func(fl *pflag.Flag) {
			if isSetting(fl) {
				cur[fl.Name] = fl.Value.String()
			}
		})
	}
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-hup:
			a.reload(log, t, cur)
		}
	}
}

// reload replaces the certificate (keeping the old one if the new one fails)
// and applies the config file's reloadable settings, logging what it did.
func (a *app) reload(log *slog.Logger, t reloadTargets, cur map[string]string) {
	log.Info("SIGHUP: reloading")
	if t.cert != nil {
		if leaf, err := t.cert.Reload(); err != nil {
			old := t.cert.Current()
			log.Error("tls certificate not reloaded; still serving the old one", "err", err,
				"subject", old.Subject.String(), "not_after", old.NotAfter)
		} else {
			log.Info("tls certificate reloaded", "subject", leaf.Subject.String(), "not_after", leaf.NotAfter)
		}
	}

	file, err := a.loadConfig(newRootCmd(newApp(&env{getenv: a.env.getenv})))
	if err != nil {
		log.Error("config file not reloaded; the settings in force stay", "err", err)
		return
	}
	fresh := newServeCmd(newApp(&env{getenv: a.env.getenv})).Flags()
	if _, err := applySettings(fresh, a.env.getenv, file); err != nil {
		log.Error("config file not reloaded; the settings in force stay", "err", err)
		return
	}
	limit, _ := fresh.GetInt("http-rate-limit")
	window, _ := fresh.GetDuration("http-rate-window")
	idle, _ := fresh.GetDuration("idle-timeout")
	if limit < 1 || window <= 0 || idle < 0 {
		log.Error("config file not reloaded: http-rate-limit must be at least 1, http-rate-window positive, idle-timeout not negative")
		return
	}
	var applied, restart, overridden []string
	fresh.VisitAll(func(fl *pflag.Flag) {
		if !isSetting(fl) || fl.Value.String() == cur[fl.Name] {
			return
		}
		if src := a.sources[fl.Name]; src.kind == "flag" {
			if _, inFile := file.values[fl.Name]; inFile {
				overridden = append(overridden, fl.Name) // the command line still wins
			}
			return
		}
		if !slices.Contains(reloadable, fl.Name) {
			restart = append(restart, fl.Name)
			return
		}
		if fl.Name == "idle-timeout" {
			set, ok := t.ssh.(idleTimeoutSetter)
			if !ok {
				restart = append(restart, fl.Name)
				return
			}
			set.SetIdleTimeout(idleSetting(idle))
		}
		applied = append(applied, fl.Name+"="+displayValue(fl))
		cur[fl.Name] = fl.Value.String()
	})
	if t.api != nil && (changed(applied, "http-rate-limit") || changed(applied, "http-rate-window")) {
		t.api.SetRateLimit(limit, window)
	}
	log.Info("config reloaded", "file", file.path, "applied", strings.Join(applied, " "),
		"needs_restart", strings.Join(restart, " "), "set_by_flag", strings.Join(overridden, " "))
}

func changed(applied []string, name string) bool {
	return slices.ContainsFunc(applied, func(s string) bool { return strings.HasPrefix(s, name+"=") })
}
