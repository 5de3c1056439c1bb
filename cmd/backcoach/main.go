// Command backcoach coaches a back massage through a webcam. This package is
// wiring only: it parses the command line and connects vision, coach and web.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"syscall"
)

// command is one subcommand of backcoach.
type command struct {
	summary string
	run     func(ctx context.Context, app *App, args []string) error
}

// commands is filled by the init functions of the subcommand files.
var commands = map[string]command{}

func register(name, summary string, run func(ctx context.Context, app *App, args []string) error) {
	commands[name] = command{summary: summary, run: run}
}

func main() {
	os.Exit(Main(os.Args[1:], os.Stdout, os.Stderr))
}

// Main runs backcoach with args and returns the process exit code:
// 0 done, 1 runtime failure, 2 bad arguments or unreadable input.
func Main(args []string, stdout, stderr io.Writer) int {
	app := &App{Stdout: stdout, Stderr: stderr}
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		usage(stderr)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	cmd, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "backcoach: unknown command %q (try: backcoach help)\n", args[0])
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err := cmd.run(ctx, app, args[1:])
	return exitCode(stderr, args[0], err)
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "backcoach — a back-massage coach that watches through a webcam.")
	fmt.Fprintln(w, "")
	fmt.Fprintln(w, "Usage: backcoach COMMAND [flags]")
	fmt.Fprintln(w, "")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-9s %s\n", n, commands[n].summary)
	}
	fmt.Fprintln(w, "")
	fmt.Fprintln(w, "Run 'backcoach COMMAND -h' for the flags of a command.")
}

// exitError carries the exit code a failure should end the process with.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

// badArgs marks a failure caused by the command line (exit 2).
func badArgs(format string, a ...any) error {
	return &exitError{code: 2, err: fmt.Errorf(format, a...)}
}

// badInput marks a failure caused by unreadable input (exit 2).
func badInput(err error) error {
	if err == nil {
		return nil
	}
	return &exitError{code: 2, err: err}
}

func exitCode(stderr io.Writer, name string, err error) int {
	if err == nil {
		return 0
	}
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if errors.Is(err, context.Canceled) {
		fmt.Fprintf(stderr, "backcoach %s: interrupted\n", name)
		return 1
	}
	code := 1
	var ee *exitError
	if errors.As(err, &ee) {
		code = ee.code
	}
	fmt.Fprintf(stderr, "backcoach %s: %v\n", name, err)
	return code
}
