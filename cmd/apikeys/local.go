package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/user"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/apikeys-dev/apikeys/backend"
	"github.com/apikeys-dev/apikeys/backend/store"
	"github.com/apikeys-dev/apikeys/backend/store/postgres"
	"github.com/apikeys-dev/apikeys/backend/store/sqlite"
	"github.com/apikeys-dev/apikeys/client"
	"github.com/apikeys-dev/apikeys/model"
)

// dbFile is the embedded database's name inside the data directory.
const dbFile = "apikeys.db"

// localMemberFile records, in the data directory, the email of the member the
// first run created for the OS user: later runs act as them.
const localMemberFile = "local-member"

// welcomeFile is left by the run that created the workspace, until the TUI's
// welcome is dismissed: the first TUI on a fresh data directory says what was
// set up, once, whether a command or the TUI created it.
const welcomeFile = "welcome-pending"

// client returns the client every command talks to, opening it on first use: over
// SSH the session's member on the server's backend; locally the store in the data
// directory (or --db), bootstrapped on first use, as the local owner or --as.
func (a *app) client(ctx context.Context) (client.Client, error) {
	if a.cl != nil {
		return a.cl, nil
	}
	if r := a.env.remote; r != nil {
		// The member's id, never a flag: the SSH key alone decides who this is.
		s, err := r.backend.SessionFor(ctx, r.member.ID, model.SourceSSH)
		if err != nil {
			return nil, err
		}
		a.cl = s
		return s, nil
	}
	cfg, err := a.localConfig()
	if err != nil {
		return nil, err
	}
	st, err := openStore(ctx, cfg.db, cfg.dataDir)
	if err != nil {
		return nil, err
	}
	a.closers = append(a.closers, st.Close)
	b := backend.New(backend.Config{Store: st, Clock: a.env.now, Policy: cfg.policy})
	a.local = &cfg
	who, err := a.localIdentity(ctx, b, cfg.dataDir)
	if err != nil {
		return nil, err
	}
	src := model.SourceCLI
	if a.tui {
		src = model.SourceTUI
	}
	s, err := b.SessionFor(ctx, who, src)
	if err != nil {
		return nil, err
	}
	a.cl = s
	return s, nil
}

// localConfig is where the local workspace lives and its expiry policy, from the
// global flags, then the environment, then the defaults.
type localConfig struct {
	dataDir string
	db      string
	policy  model.ExpiryPolicy
}

func (a *app) localConfig() (localConfig, error) {
	var cfg localConfig
	var err error
	if cfg.dataDir, err = dataDir(a.flags.dataDir, a.env.getenv); err != nil {
		return cfg, err
	}
	warnLooseDataDir(a.env.stderr, cfg.dataDir)
	cfg.db = firstSet(a.flags.db, a.env.getenv("APIKEYS_DB"))

	tz := firstSet(a.flags.timezone, a.env.getenv("APIKEYS_TIMEZONE"), "UTC")
	loc, err := time.LoadLocation(tz)
	if err != nil || tz == "Local" {
		return cfg, usagef("unknown time zone %q: use an IANA name such as UTC or Europe/Paris", tz)
	}
	days, err := parseLifetime(firstSet(a.flags.maxLifetime, a.env.getenv("APIKEYS_MAX_KEY_LIFETIME"), strconv.Itoa(model.DefaultMaxLifetimeDays)))
	if err != nil {
		return cfg, err
	}
	cfg.policy = model.ExpiryPolicy{Location: loc, MaxLifetimeDays: days}
	return cfg, nil
}

// dataDir resolves the data directory: --data-dir, $APIKEYS_DATA_DIR,
// $XDG_DATA_HOME/apikeys, ~/.local/share/apikeys. A relative --data-dir or
// $APIKEYS_DATA_DIR is taken from the working directory, here, once: everything
// after (the database, the host key, messages) sees the same absolute path.
func dataDir(flag string, getenv func(string) string) (string, error) {
	if d := firstSet(flag, getenv("APIKEYS_DATA_DIR")); d != "" {
		abs, err := filepath.Abs(d)
		if err != nil {
			return "", usagef("can't resolve the data directory %s: %v", model.Quote(d), err)
		}
		return abs, nil
	}
	// The XDG spec says a relative XDG_DATA_HOME is invalid and must be ignored.
	if x := getenv("XDG_DATA_HOME"); filepath.IsAbs(x) {
		return filepath.Join(x, "apikeys"), nil
	}
	home := getenv("HOME")
	if home == "" {
		var err error
		if home, err = os.UserHomeDir(); err != nil || home == "" {
			return "", usagef("can't find a data directory: set --data-dir or APIKEYS_DATA_DIR")
		}
	}
	return filepath.Join(home, ".local", "share", "apikeys"), nil
}

// warnLooseDataDir warns, in one line, about a data directory its group or
// others may write: they could replace the database (and so every member and
// key) or the SSH host key. It is a warning, not a refusal: a shared group
// directory may be what the admin wants, and they can tighten it at once.
func warnLooseDataDir(w io.Writer, dir string) {
	fi, err := os.Stat(dir)
	if err != nil || !fi.IsDir() || fi.Mode().Perm()&0o022 == 0 {
		return
	}
	fmt.Fprintf(w, "apikeys: warning: the data directory %s can be written by others (mode %04o): run chmod 700 %s\n",
		model.Sanitize(dir), fi.Mode().Perm(), shellWord(dir))
}

// shellWord quotes s for a shell if it needs it, so the printed command can be
// pasted as it is.
func shellWord(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/._-+,:@") == "" {
		return s
	}
	return "'" + model.Sanitize(strings.ReplaceAll(s, "'", `'\''`)) + "'"
}

var lifetimeRE = regexp.MustCompile(`^(\d{1,5})d?$`)

// parseLifetime reads --max-key-lifetime: whole days, "366" or "366d".
func parseLifetime(s string) (int, error) {
	m := lifetimeRE.FindStringSubmatch(strings.ToLower(strings.TrimSpace(s)))
	if m == nil {
		return 0, usagef("invalid maximum key lifetime %q: give whole days, like 366 or 366d", s)
	}
	n, _ := strconv.Atoi(m[1])
	if n < 1 || n > 3660 {
		return 0, usagef("maximum key lifetime must be between 1 and 3660 days, not %d", n)
	}
	return n, nil
}

// openStore opens the workspace's store: PostgreSQL when db is a postgres:// URL,
// otherwise the embedded SQLite file in dataDir. The URL is never echoed: it may
// hold a password.
func openStore(ctx context.Context, db, dataDir string) (store.Store, error) {
	if db == "" {
		return sqlite.Open(ctx, filepath.Join(dataDir, dbFile))
	}
	if !strings.HasPrefix(db, "postgres://") && !strings.HasPrefix(db, "postgresql://") {
		return nil, usagef("--db (or APIKEYS_DB) must be a postgres:// URL")
	}
	st, err := postgres.Open(ctx, db)
	if err != nil {
		return nil, fmt.Errorf("can't open the PostgreSQL database: %w", err)
	}
	return st, nil
}

// localIdentity names the member local commands act as: --as, else the local owner.
// On an empty store it first creates the workspace and makes the OS user its
// primary owner, and remembers their email in the data directory.
func (a *app) localIdentity(ctx context.Context, b *backend.Backend, dir string) (string, error) {
	username, fullName := a.osUser()
	email := username + "@localhost"
	owner, created, err := b.Bootstrap(ctx, workspaceName(), fullName, email, nil)
	if err != nil {
		return "", err
	}
	if created {
		// Best effort: without the file, later runs fall back to the same email.
		_ = writeFileAtomic(filepath.Join(dir, localMemberFile), []byte(owner.Email+"\n"))
		_ = writeFileAtomic(filepath.Join(dir, welcomeFile), nil)
	}
	if a.flags.as != "" {
		return a.flags.as, nil
	}
	if saved, err := os.ReadFile(filepath.Join(dir, localMemberFile)); err == nil {
		if s := strings.TrimSpace(string(saved)); s != "" {
			return s, nil
		}
	}
	if _, err := b.Member(ctx, email); errors.Is(err, model.ErrNotFound) {
		return "", model.NotFound("This workspace has no local owner %s (it was created elsewhere): name a member with --as EMAIL.", email)
	}
	return email, nil
}

// osUser is the OS account's login name (made safe for an email's local part) and
// display name.
func (a *app) osUser() (username, fullName string) {
	if a.env.osUser != nil {
		return a.env.osUser()
	}
	login := firstSet(os.Getenv("USER"), os.Getenv("LOGNAME"))
	if u, err := user.Current(); err == nil {
		login, fullName = u.Username, u.Name
	}
	username = emailLocalPart(login)
	// GECOS holds "Full Name,room,phone,…"; only the name is wanted.
	fullName, _, _ = strings.Cut(fullName, ",")
	if n, err := model.ValidateMemberName(fullName); err == nil {
		return username, n
	}
	return username, username
}

// emailLocalPart keeps the characters of a login that are safe in an email
// address ("DOMAIN\ana" → "domainana"), or "owner" if none are.
func emailLocalPart(login string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(login) {
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') || r == '.' || r == '_' || r == '-' {
			b.WriteRune(r)
		}
	}
	s := strings.Trim(b.String(), ".")
	if s == "" || strings.Contains(s, "..") {
		return "owner"
	}
	return s
}

// workspaceName names a new local workspace after the host.
func workspaceName() string {
	h, err := os.Hostname()
	if h, _, _ = strings.Cut(h, "."); err == nil && h != "" {
		if n, err := model.ValidateName(h); err == nil {
			return n
		}
	}
	return "Local workspace"
}

// writeFileAtomic writes a private file whole or not at all.
func writeFileAtomic(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".tmp-"+filepath.Base(path))
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

func firstSet(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}
