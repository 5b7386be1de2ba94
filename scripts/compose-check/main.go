// compose-check loads Compose files with the Compose Specification loader that Docker Compose itself uses
// (github.com/compose-spec/compose-go/v2, version pinned in go.mod) and exits non-zero with the loader's message.
//
// Usage: compose-check [--project-name N] [--profile P]... [--env K=V]... [--os-env] [--no-interpolate]
//
//	[--allow-unset] [--resolve-env-files] FILE...
//
// Each FILE is loaded as its own project, as `docker compose -f FILE config` would: schema validation,
// interpolation, normalization and the consistency checks (depends_on, networks, volumes, secrets, configs
// refer to declared things; profiles). Differences from Compose, all on purpose for generated files:
//   - The environment is only --env K=V (plus COMPOSE_PROJECT_NAME), not the caller's shell, so a check does not
//     depend on the CI machine. --os-env adds the process environment as Compose does.
//   - A `${VAR}` reference is an error (Compose only warns and substitutes ""): a generated file must not depend on
//     the shell that runs it; a literal $ is written $$. --allow-unset turns this back into Compose's behaviour.
//   - env_file entries are not read (they are assembled on the droplet at boot from the secret files); pass
//     --resolve-env-files to read them as Compose does.
//
// --profile P activates a profile (repeatable; "*" activates every profile), as `docker compose --profile P`.
// Exit: 0 every file loads · 1 a file does not load (the loader's message on stderr) · 2 usage.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/compose-spec/compose-go/v2/cli"
	"github.com/compose-spec/compose-go/v2/loader"
	"github.com/compose-spec/compose-go/v2/types"
)

type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, ",") }
func (l *listFlag) Set(v string) error { *l = append(*l, v); return nil }

type config struct {
	projectName     string
	profiles        listFlag
	env             listFlag
	osEnv           bool
	noInterpolate   bool
	allowUnset      bool
	resolveEnvFiles bool
	files           []string
}

func parseArgs(args []string, stderr io.Writer) (*config, error) {
	c := &config{}
	fs := flag.NewFlagSet("compose-check", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&c.projectName, "project-name", "", "project name (default: the file's `name:`, else its directory)")
	fs.Var(&c.profiles, "profile", "activate a profile (repeatable; \"*\" = all)")
	fs.Var(&c.env, "env", "K=V for interpolation (repeatable)")
	fs.BoolVar(&c.osEnv, "os-env", false, "add the process environment, as Compose does")
	fs.BoolVar(&c.noInterpolate, "no-interpolate", false, "do not interpolate ${VAR} (docker compose config --no-interpolate)")
	fs.BoolVar(&c.allowUnset, "allow-unset", false, "an unset ${VAR} becomes \"\" with a warning, as Compose does")
	fs.BoolVar(&c.resolveEnvFiles, "resolve-env-files", false, "read env_file entries (they must exist)")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	c.files = fs.Args()
	if len(c.files) == 0 {
		return nil, errors.New("no compose file given")
	}
	for _, kv := range c.env {
		if !strings.Contains(kv, "=") {
			return nil, fmt.Errorf("--env %q: expected K=V", kv)
		}
	}
	return c, nil
}

// check loads one file and returns a one-line summary, or the loader's error.
func check(ctx context.Context, c *config, file string) (string, []string, error) {
	env := append([]string{}, c.env...)
	if c.osEnv {
		env = append(os.Environ(), env...)
	}
	var unset []string
	opts := []cli.ProjectOptionsFn{
		cli.WithEnv(env),
		cli.WithProfiles(c.profiles),
		cli.WithInterpolation(!c.noInterpolate),
		cli.WithWorkingDirectory(filepath.Dir(file)),
	}
	if c.projectName != "" {
		opts = append(opts, cli.WithName(c.projectName))
	}
	if !c.resolveEnvFiles {
		opts = append(opts, cli.WithoutEnvironmentResolution)
	}
	po, err := cli.NewProjectOptions([]string{file}, opts...)
	if err != nil {
		return "", nil, err
	}
	// Wrap the loader's lookup (set from the environment above) to record every ${VAR} the file references.
	po = withLookupRecorder(po, &unset)
	project, err := po.LoadProject(ctx)
	if err != nil {
		return "", nil, err
	}
	var warnings []string
	if len(unset) > 0 {
		sort.Strings(unset)
		msg := fmt.Sprintf("references unset variable(s) %s (write a literal $ as $$)", strings.Join(unique(unset), ", "))
		if !c.allowUnset {
			return "", nil, errors.New(msg)
		}
		warnings = append(warnings, msg)
	}
	return summary(project), warnings, nil
}

func withLookupRecorder(po *cli.ProjectOptions, unset *[]string) *cli.ProjectOptions {
	env := po.Environment
	_ = cli.WithLoadOptions(func(o *loader.Options) {
		if o.Interpolate == nil {
			return
		}
		o.Interpolate.LookupValue = func(key string) (string, bool) {
			v, ok := env[key]
			if !ok {
				*unset = append(*unset, key)
			}
			return v, ok
		}
	})(po)
	return po
}

func summary(p *types.Project) string {
	names := p.ServiceNames()
	sort.Strings(names)
	s := fmt.Sprintf("project %s, %d service(s)", p.Name, len(names))
	if len(names) > 0 {
		s += ": " + strings.Join(names, ", ")
	}
	if len(p.DisabledServices) > 0 {
		var off []string
		for name := range p.DisabledServices {
			off = append(off, name)
		}
		sort.Strings(off)
		s += fmt.Sprintf("; not started without their profile: %s", strings.Join(off, ", "))
	}
	return s
}

func unique(in []string) []string {
	var out []string
	for i, s := range in {
		if i == 0 || s != in[i-1] {
			out = append(out, s)
		}
	}
	return out
}

func run(args []string, stdout, stderr io.Writer) int {
	c, err := parseArgs(args, stderr)
	if err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintf(stderr, "compose-check: %v\n", err)
		}
		return 2
	}
	failed := 0
	for _, file := range c.files {
		line, warnings, err := check(context.Background(), c, file)
		for _, w := range warnings {
			fmt.Fprintf(stderr, "%s: warning: %s\n", file, w)
		}
		if err != nil {
			fmt.Fprintf(stderr, "%s: %v\n", file, err)
			failed++
			continue
		}
		fmt.Fprintf(stdout, "%s: ok (%s)\n", file, line)
	}
	if failed > 0 {
		return 1
	}
	return 0
}

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}
