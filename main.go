// Command release-action is the BTCDecoded release pipeline's GitHub Action:
// it dispatches builds to the orchestrator and, in later modes, tags and
// publishes nightly prereleases. See README.md.
package main

import (
	"context"
	"io"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/BTCDecoded/release-action/internal/app"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr, http.DefaultClient))
}

// run is the program with its environment injected, so tests drive it in-process.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer, client *http.Client) int {
	return app.Run(ctx, app.Env{
		Args:       args,
		Getenv:     getenv,
		Stdout:     stdout,
		Stderr:     stderr,
		HTTPClient: client,
		Git:        git,
		GHToken:    ghToken,
	})
}

// ghToken is the token of the gh CLI's login, as `gh auth token` prints
// it, for a person running the action on a laptop. gh missing, logged out
// or not answering within 10 s: no token, and what it printed is dropped.
func ghToken(ctx context.Context) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, "gh", "auth", "token").Output()
	return strings.TrimSpace(string(out)), err
}

// git runs git in the working directory, for the local fallbacks of the
// run's context.
func git(ctx context.Context, args ...string) (string, error) {
	out, err := exec.CommandContext(ctx, "git", args...).Output()
	return strings.TrimSpace(string(out)), err
}
