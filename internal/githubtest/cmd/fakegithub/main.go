// Command fakegithub serves the fake GitHub of internal/githubtest on
// 127.0.0.1, as GitHub Enterprise Server is served, for benchmarks and
// manual runs of the action. It prints the API base URL first.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/BTCDecoded/release-action/internal/githubtest"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(githubtest.RunStandalone(ctx, os.Args[1:], os.Stdout, os.Stderr))
}
