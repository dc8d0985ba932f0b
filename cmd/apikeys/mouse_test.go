package main

import "testing"

// no-mouse is a setting like the others: the flag, APIKEYS_NO_MOUSE or
// no-mouse = true in the config file turn the TUI's mouse off.
func TestNoMouseIsASetting(t *testing.T) {
	c := newCLI(t)
	if v, src := okJSON[shownConfig](c, "config", "show").get(t, "no-mouse"); v != "false" || src != "default" {
		t.Errorf("no-mouse = %q from %q, want false by default", v, src)
	}
	path := writeConfig(t, c, "no-mouse = true\n")
	if v, src := okJSON[shownConfig](c, "config", "show").get(t, "no-mouse"); v != "true" || src != "file "+path {
		t.Errorf("no-mouse = %q from %q, want true from the file", v, src)
	}
	c.vars["APIKEYS_NO_MOUSE"] = "false"
	if v, src := okJSON[shownConfig](c, "config", "show").get(t, "no-mouse"); v != "false" || src != "env APIKEYS_NO_MOUSE" {
		t.Errorf("no-mouse = %q from %q, want false from the environment", v, src)
	}
	if v, _ := okJSON[shownConfig](c, "config", "show", "--no-mouse").get(t, "no-mouse"); v != "true" {
		t.Errorf("--no-mouse should win over the environment, got %q", v)
	}
}

// Over SSH a member turns the mouse off for their session with
// ssh -o SetEnv=APIKEYS_NO_MOUSE=1.
func TestEnvTrue(t *testing.T) {
	tests := []struct {
		env  []string
		want bool
	}{
		{nil, false},
		{[]string{"APIKEYS_NO_MOUSE="}, false},
		{[]string{"APIKEYS_NO_MOUSE=0"}, false},
		{[]string{"APIKEYS_NO_MOUSE=false"}, false},
		{[]string{"APIKEYS_NO_MOUSE=1"}, true},
		{[]string{"APIKEYS_NO_MOUSE=yes"}, true},
		{[]string{"APIKEYS_NO_MOUSE=1", "APIKEYS_NO_MOUSE=0"}, false},
		{[]string{"XAPIKEYS_NO_MOUSE=1"}, false},
	}
	for _, tt := range tests {
		if got := envTrue(tt.env, "APIKEYS_NO_MOUSE"); got != tt.want {
			t.Errorf("envTrue(%q) = %v, want %v", tt.env, got, tt.want)
		}
	}
}
