package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/mattn/go-isatty"
	"github.com/rs/zerolog"
)

// App holds what every subcommand shares: its output streams and logger.
type App struct {
	Stdout io.Writer
	Stderr io.Writer
	Log    zerolog.Logger

	logFormat string
	logLevel  string
}

// flags makes a flag set for a subcommand with the common flags
// (--log-format, --log-level) already defined. Parse errors are returned, not
// fatal, and the usage text goes to stderr.
func (a *App) flags(name, usageLine string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(a.Stderr)
	fs.StringVar(&a.logFormat, "log-format", "console", "log format: console (for people) or json (for machines)")
	fs.StringVar(&a.logLevel, "log-level", "info", "log level: debug, info, warn, error")
	fs.Usage = func() {
		fmt.Fprintf(a.Stderr, "Usage: backcoach %s %s\n\nFlags:\n", name, usageLine)
		fs.PrintDefaults()
	}
	return fs
}

// parse parses args into fs, sets up the logger and turns parse errors into
// exit-2 errors with one clear line.
func (a *App) parse(fs *flag.FlagSet, args []string) error {
	// Silence the flag package's own messages; we print one line ourselves.
	out, usage := a.Stderr, fs.Usage
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	err := fs.Parse(args)
	fs.SetOutput(out)
	fs.Usage = usage
	if err == flag.ErrHelp {
		usage()
		return err
	}
	if err != nil {
		return badArgs("%v (see 'backcoach %s -h')", err, fs.Name())
	}
	return a.setupLog()
}

func (a *App) setupLog() error {
	lvl, err := zerolog.ParseLevel(a.logLevel)
	if err != nil || a.logLevel == "" {
		return badArgs("--log-level %q: want debug, info, warn or error", a.logLevel)
	}
	switch a.logFormat {
	case "json":
		a.Log = zerolog.New(a.Stderr).With().Timestamp().Logger().Level(lvl)
	case "console", "":
		noColor := true
		if f, ok := a.Stderr.(*os.File); ok && isatty.IsTerminal(f.Fd()) {
			noColor = false
		}
		cw := zerolog.ConsoleWriter{Out: a.Stderr, TimeFormat: time.TimeOnly, NoColor: noColor}
		a.Log = zerolog.New(cw).With().Timestamp().Logger().Level(lvl)
	default:
		return badArgs("--log-format %q: want console or json", a.logFormat)
	}
	return nil
}
