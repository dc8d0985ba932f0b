package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/BurntSushi/toml"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/apikeys-dev/apikeys/contract"
	"github.com/apikeys-dev/apikeys/model"
)

// Settings are the flags that may also come from the environment (APIKEYS_ and
// the flag's name in capitals, "-" as "_") or the config file (the flag's long
// name as the key): the global storage and policy flags and every flag of
// serve. Precedence: the flag, then the environment, then the file, then the
// default. Per-command arguments (--name, --expires, --yes…) are never
// settings: a file must not rename every key an edit touches.
//
// The file is $XDG_CONFIG_HOME/apikeys/config.toml (else
// ~/.config/apikeys/config.toml), or --config FILE (also $APIKEYS_CONFIG).
// Over SSH none of this applies: the server's settings are its own.

// settingAnnotation marks a flag as a setting.
const settingAnnotation = "apikeys:setting"

// secretAnnotation marks a setting whose value `config show` must not print.
const secretAnnotation = "apikeys:secret"

// maxConfigBytes bounds the config file: it is read at every start.
const maxConfigBytes = 1 << 20

// envAliases are environment names kept from before the generic rule.
var envAliases = map[string]string{"initial-admin-key": "APIKEYS_INITIAL_ADMIN_KEYS"}

// markSettings makes the named flags of fs settings; no names marks them all.
func markSettings(fs *pflag.FlagSet, names ...string) {
	fs.VisitAll(func(f *pflag.Flag) {
		if len(names) == 0 || slices.Contains(names, f.Name) {
			_ = fs.SetAnnotation(f.Name, settingAnnotation, []string{"true"})
		}
	})
}

func isSetting(f *pflag.Flag) bool { return len(f.Annotations[settingAnnotation]) > 0 }

func isSecret(f *pflag.Flag) bool {
	n := f.Name
	return len(f.Annotations[secretAnnotation]) > 0 ||
		strings.Contains(n, "token") || strings.Contains(n, "secret") || strings.Contains(n, "password")
}

// envName is the environment variable of a setting.
func envName(flag string) string {
	if n, ok := envAliases[flag]; ok {
		return n
	}
	return "APIKEYS_" + strings.ToUpper(strings.ReplaceAll(flag, "-", "_"))
}

// source says where a setting's value came from.
type source struct {
	kind   string // "flag", "env", "file", "default"
	detail string // the variable or the file
}

func (s source) String() string {
	if s.detail == "" {
		return s.kind
	}
	return s.kind + " " + s.detail
}

// configFile is a loaded config file: its path ("" when there is none) and values.
type configFile struct {
	path   string
	values map[string]any
}

// configPath is the file to read: --config, $APIKEYS_CONFIG, else the XDG
// default. explicit says it was named, so a missing file is an error.
func (a *app) configPath() (path string, explicit bool) {
	if p := firstSet(a.flags.config, a.env.getenv("APIKEYS_CONFIG")); p != "" {
		return p, true
	}
	if x := a.env.getenv("XDG_CONFIG_HOME"); filepath.IsAbs(x) {
		return filepath.Join(x, "apikeys", "config.toml"), false
	}
	if home := a.env.getenv("HOME"); home != "" {
		return filepath.Join(home, ".config", "apikeys", "config.toml"), false
	}
	return "", false
}

// loadConfig reads the config file, if any. Every key must be a setting of some
// command in root's tree: a typo fails loudly instead of being ignored.
func (a *app) loadConfig(root *cobra.Command) (configFile, error) {
	path, explicit := a.configPath()
	if path == "" {
		return configFile{}, nil
	}
	data, err := readConfig(path)
	if errors.Is(err, fs.ErrNotExist) && !explicit {
		return configFile{}, nil
	}
	if err != nil {
		return configFile{}, usagef("can't read the config file: %v", err)
	}
	values := map[string]any{}
	if _, err := toml.Decode(string(data), &values); err != nil {
		return configFile{}, usagef("config file %s: %v", path, err)
	}
	known := settingsOf(root)
	for k, v := range values {
		f, ok := known[k]
		if !ok {
			return configFile{}, usagef("config file %s: unknown setting %s; the keys are the long flag names of serve and of the global flags (see apikeys config show)", path, model.Quote(k))
		}
		if _, err := settingStrings(f, v); err != nil {
			return configFile{}, usagef("config file %s: %s: %v", path, k, err)
		}
	}
	return configFile{path: path, values: values}, nil
}

func readConfig(path string) ([]byte, error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer fh.Close()
	data, err := io.ReadAll(io.LimitReader(fh, maxConfigBytes+1))
	if err != nil {
		return nil, err
	}
	if len(data) > maxConfigBytes {
		return nil, fmt.Errorf("%s is larger than %d bytes", path, maxConfigBytes)
	}
	return data, nil
}

// settingsOf finds every setting in the tree, by name.
func settingsOf(root *cobra.Command) map[string]*pflag.Flag {
	out := map[string]*pflag.Flag{}
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		for _, fs := range []*pflag.FlagSet{c.PersistentFlags(), c.LocalFlags()} {
			fs.VisitAll(func(f *pflag.Flag) {
				if isSetting(f) {
					out[f.Name] = f
				}
			})
		}
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)
	return out
}

// settingStrings turns a TOML value into the flag's textual values: a string,
// number or bool is one; an array is one per element, for repeatable flags only.
func settingStrings(f *pflag.Flag, v any) ([]string, error) {
	_, repeatable := f.Value.(pflag.SliceValue)
	switch v := v.(type) {
	case string:
		return []string{v}, nil
	case bool:
		return []string{strconv.FormatBool(v)}, nil
	case int64:
		return []string{strconv.FormatInt(v, 10)}, nil
	case float64:
		return []string{strconv.FormatFloat(v, 'f', -1, 64)}, nil
	case []any:
		if !repeatable {
			return nil, errors.New("takes one value, not a list")
		}
		out := make([]string, 0, len(v))
		for _, e := range v {
			s, ok := e.(string)
			if !ok {
				return nil, errors.New("takes a list of strings")
			}
			out = append(out, s)
		}
		return out, nil
	}
	return nil, fmt.Errorf("takes a string, a number or a boolean, not %T", v)
}

// applySettings fills every setting of fs that was not given as a flag from the
// environment, else the file; it returns where each setting's value came from.
func applySettings(fs *pflag.FlagSet, getenv func(string) string, file configFile) (map[string]source, error) {
	sources := map[string]source{}
	var first error
	fs.VisitAll(func(f *pflag.Flag) {
		if !isSetting(f) || first != nil {
			return
		}
		if f.Changed {
			sources[f.Name] = source{kind: "flag"}
			return
		}
		var vals []string
		var src source
		if ev := envName(f.Name); getenv(ev) != "" {
			vals, src = []string{getenv(ev)}, source{"env", ev}
		} else if v, ok := file.values[f.Name]; ok {
			vals, _ = settingStrings(f, v) // checked when the file was loaded
			src = source{"file", file.path}
		} else {
			sources[f.Name] = source{kind: "default"}
			return
		}
		if err := setFlag(f, vals); err != nil {
			first = usagef("%s (%s): %v", f.Name, src, err)
			return
		}
		sources[f.Name] = src
	})
	return sources, first
}

func setFlag(f *pflag.Flag, vals []string) error {
	if sv, ok := f.Value.(pflag.SliceValue); ok {
		return sv.Replace(vals)
	}
	if len(vals) != 1 {
		return errors.New("takes one value")
	}
	return f.Value.Set(vals[0])
}

// applyConfig runs before every local command: it loads the file and fills the
// command's settings. Over SSH it does nothing.
func (a *app) applyConfig(cmd *cobra.Command) error {
	if a.env.remote != nil {
		return nil
	}
	file, err := a.loadConfig(cmd.Root())
	if err != nil {
		return err
	}
	a.config = file
	a.sources, err = applySettings(cmd.Flags(), a.env.getenv, file)
	return err
}

// displayValue is a setting's value as `config show` prints it: secrets
// redacted, a database URL without its password, nothing raw to the terminal.
func displayValue(f *pflag.Flag) string {
	v := f.Value.String()
	if sv, ok := f.Value.(pflag.SliceValue); ok {
		v = strings.Join(sv.GetSlice(), ", ")
	}
	switch {
	case v == "":
		return ""
	case isSecret(f), strings.Contains(v, "apk_"):
		return "[redacted]"
	case strings.Contains(v, "://"):
		u, err := url.Parse(v)
		if err != nil {
			return "[redacted: not a valid URL]"
		}
		if q := u.Query(); q.Has("password") {
			q.Set("password", "xxxxx")
			u.RawQuery = q.Encode()
		}
		v = u.Redacted()
	}
	return model.Sanitize(v)
}

// newConfigCmd is `apikeys config show`.
func newConfigCmd(a *app) *cobra.Command {
	show := &cobra.Command{
		Use:   "show",
		Short: "Print the effective settings and where each comes from",
		Long: `show prints every setting — the global flags that pick storage and policy, and
every flag of serve — with its effective value and its source: flag, env
(APIKEYS_<NAME>), file (the config file) or default. Secrets are redacted, and a
database URL is shown without its password.

The config file is $XDG_CONFIG_HOME/apikeys/config.toml (else
~/.config/apikeys/config.toml), or --config FILE. Its keys are the long flag
names:

  data-dir = "/var/lib/apikeys"
  timezone = "Europe/Paris"
  http-addr = ":8080"
  http-rate-limit = 500
  idle-timeout = "15m"
  initial-admin-key = ["ssh-ed25519 AAAA… ana@laptop"]
  trusted-proxy = ["10.0.0.0/24"]
  ssh-proxy-protocol = true

Precedence: a flag, then the environment, then the file, then the default.`,
		Args:        exactArgs(),
		Annotations: map[string]string{localOnlyAnnotation: "true"},
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.showConfig(cmd)
		},
	}
	return newGroupCmd("config", "Show the effective configuration", show)
}

// showConfig resolves the global settings as this command got them and serve's
// as `serve` would get them now (a flag on this command line counts for the
// global ones only).
func (a *app) showConfig(cmd *cobra.Command) error {
	rows := a.settingRows(cmd.Flags(), a.sources)
	fresh := newServeCmd(newApp(&env{getenv: a.env.getenv})).Flags() // defaults, untouched by this run
	srcs, err := applySettings(fresh, a.env.getenv, a.config)
	if err != nil {
		return err
	}
	rows = append(rows, a.settingRows(fresh, srcs)...)
	if a.flags.json {
		var file *string // null when no file was read
		if a.config.path != "" {
			file = &a.config.path
		}
		return writeJSON(a.env.stdout, contract.Config{File: file, Settings: rows})
	}
	out := a.env.stdout
	if a.config.path != "" {
		fmt.Fprintf(out, "Config file: %s\n\n", model.Sanitize(a.config.path))
	} else if p, _ := a.configPath(); p != "" {
		fmt.Fprintf(out, "Config file: none (%s does not exist)\n\n", model.Sanitize(p))
	} else {
		fmt.Fprintf(out, "Config file: none\n\n")
	}
	t := newTable(out, "SETTING", "VALUE", "SOURCE")
	for _, r := range rows {
		t.row(r.Name, r.Value, r.Source)
	}
	return t.flush()
}

func (a *app) settingRows(fs *pflag.FlagSet, srcs map[string]source) []contract.Setting {
	var rows []contract.Setting
	fs.VisitAll(func(f *pflag.Flag) {
		if !isSetting(f) {
			return
		}
		src, ok := srcs[f.Name]
		if !ok {
			src = source{kind: "default"}
		}
		rows = append(rows, contract.Setting{Name: f.Name, Value: displayValue(f), Source: model.Sanitize(src.String())})
	})
	return rows
}
