package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const good = `name: loom
services:
  web:
    image: ghcr.io/loom/loom:1.2.3
    command: ["loom", "serve", "--port", "$$PORT"]
    user: "10001:10001"
    read_only: true
    env_file: ["/etc/loom/env/web.env"]
    stop_grace_period: 120s
    secrets: [db]
  migrate:
    image: ghcr.io/loom/loom:1.2.3
    profiles: [migrate]
secrets:
  db:
    file: /etc/loom/secrets/database-password
`

func write(t *testing.T, body string) string {
	t.Helper()
	f := filepath.Join(t.TempDir(), "compose.yaml")
	if err := os.WriteFile(f, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return f
}

func runArgs(args ...string) (int, string, string) {
	var out, errb bytes.Buffer
	code := run(args, &out, &errb)
	return code, out.String(), errb.String()
}

func TestGoodFileLoadsAndProfilesGate(t *testing.T) {
	f := write(t, good)
	code, out, errs := runArgs(f)
	want := f + ": ok (project loom, 1 service(s): web; not started without their profile: migrate)\n"
	if code != 0 || out != want {
		t.Fatalf("code %d, out %q, err %q; want %q", code, out, errs, want)
	}
	code, out, _ = runArgs("--profile", "*", f)
	if code != 0 || out != f+": ok (project loom, 2 service(s): migrate, web)\n" {
		t.Fatalf("all profiles: code %d, out %q", code, out)
	}
}

func TestFailures(t *testing.T) {
	cases := map[string]struct{ from, to, msg string }{
		"unknown key":       {"read_only: true", "read_onli: true", "services.web.read_onli false schema"},
		"bad duration":      {"stop_grace_period: 120s", "stop_grace_period: 2 minutes", `unknown unit " minutes"`},
		"undeclared secret": {"secrets: [db]", "secrets: [dbx]", `service "web" refers to undefined secret dbx`},
		"unset variable":    {"$$PORT", "${PORT}", "references unset variable(s) PORT (write a literal $ as $$)"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			if !strings.Contains(good, c.from) {
				t.Fatalf("fixture has no %q", c.from)
			}
			f := write(t, strings.Replace(good, c.from, c.to, 1))
			code, out, errs := runArgs(f)
			if code != 1 || out != "" || !strings.Contains(errs, c.msg) {
				t.Fatalf("code %d, out %q, err %q; want exit 1 and %q", code, out, errs, c.msg)
			}
		})
	}
}

func TestEnvAndOptions(t *testing.T) {
	f := write(t, strings.Replace(good, "$$PORT", "${PORT}", 1))
	if code, _, errs := runArgs("--env", "PORT=8080", f); code != 0 {
		t.Fatalf("--env PORT=8080: code %d, %s", code, errs)
	}
	if code, _, errs := runArgs("--allow-unset", f); code != 0 || !strings.Contains(errs, "warning: references unset variable(s) PORT") {
		t.Fatalf("--allow-unset: code %d, %q", code, errs)
	}
	if code, _, errs := runArgs("--no-interpolate", f); code != 0 {
		t.Fatalf("--no-interpolate: code %d, %s", code, errs)
	}
	if code, _, errs := runArgs("--resolve-env-files", write(t, good)); code != 1 || !strings.Contains(errs, "env file /etc/loom/env/web.env not found") {
		t.Fatalf("--resolve-env-files: code %d, %q", code, errs)
	}
	if code, _, errs := runArgs(); code != 2 || !strings.Contains(errs, "no compose file given") {
		t.Fatalf("no args: code %d, %q", code, errs)
	}
	if code, _, errs := runArgs("--env", "PORT", f); code != 2 || !strings.Contains(errs, `--env "PORT": expected K=V`) {
		t.Fatalf("bad --env: code %d, %q", code, errs)
	}
}

func TestEmptyDefaultProject(t *testing.T) {
	f := write(t, "name: loom\nservices:\n  migrate:\n    image: ghcr.io/loom/loom:1.2.3\n    profiles: [migrate]\n")
	code, out, _ := runArgs(f)
	if code != 0 || out != f+": ok (project loom, 0 service(s); not started without their profile: migrate)\n" {
		t.Fatalf("code %d, out %q", code, out)
	}
}
