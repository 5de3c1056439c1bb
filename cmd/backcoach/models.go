package main

import (
	"context"
	"errors"
	"fmt"
	"github.com/rs/zerolog"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/backcoach/backcoach/vision"
	"github.com/backcoach/backcoach/vision/handmodel"
)

func init() {
	register("models", "install or check the hand models of the hybrid tracker", runModels)
}

const modelsUsage = `Usage: backcoach models install [--from DIR] [--dir DIR]
       backcoach models status [--dir DIR]

install  downloads MediaPipe's palm detector and hand-landmark model (Apache-2.0)
         from their pinned addresses, checks their sha256, edits them so that
         OpenCV 4.6 loads them, and stores them in the data folder.
         --from DIR installs from a folder holding the published files
         (palm_detection_barracuda.onnx, hand_landmark.onnx) instead.
status   says which models are installed (exit 1 when they are not).
`

func runModels(ctx context.Context, app *App, args []string) error {
	if len(args) == 0 {
		fmt.Fprint(app.Stderr, modelsUsage)
		return badArgs("which action? install or status")
	}
	switch args[0] {
	case "install":
		return runModelsInstall(ctx, app, args[1:])
	case "status":
		return runModelsStatus(app, args[1:])
	case "-h", "--help", "help":
		fmt.Fprint(app.Stderr, modelsUsage)
		return nil
	}
	return badArgs("unknown action %q: want install or status", args[0])
}

// modelDirFlag resolves --dir: the given folder or the default data folder.
func modelDirFlag(dir string) (string, error) {
	if dir != "" {
		return dir, nil
	}
	d, err := handmodel.DefaultDir()
	if err != nil {
		return "", fmt.Errorf("no data folder: %w (give one with --dir)", err)
	}
	return d, nil
}

func runModelsInstall(ctx context.Context, app *App, args []string) error {
	set := app.flags("models install", "[--from DIR] [--dir DIR]")
	from := set.String("from", "", "install from this folder (holding the published .onnx files) instead of downloading")
	dirFlag := set.String("dir", "", "install into this folder (default $XDG_DATA_HOME/backcoach/models or ~/.local/share/backcoach/models)")
	if err := app.parse(set, args); err != nil {
		return err
	}
	if set.NArg() > 0 {
		return badArgs("unexpected argument %q", set.Arg(0))
	}
	dir, err := modelDirFlag(*dirFlag)
	if err != nil {
		return err
	}
	if *from != "" {
		st, err := os.Stat(*from)
		if err != nil || !st.IsDir() {
			return badArgs("--from %q: not a folder", *from)
		}
	}
	files, err := handmodel.Install(ctx, handmodel.InstallOptions{
		Dir:      dir,
		From:     *from,
		Progress: func(msg string) { app.Log.Info().Msg(msg) },
	})
	if err != nil {
		if errors.Is(err, handmodel.ErrChecksum) || errors.Is(err, fs.ErrNotExist) && *from != "" {
			return badInput(err)
		}
		return err
	}
	// The files must load in this OpenCV, or the hybrid tracker cannot run.
	m, err := handmodel.Load(dir)
	if err != nil {
		return fmt.Errorf("installed, but OpenCV cannot load them: %w", err)
	}
	m.Close()
	for _, f := range files {
		fmt.Fprintf(app.Stdout, "installed %s (%d bytes, sha256 %s)\n", f.Path, f.Bytes, f.SHA256)
	}
	fmt.Fprintln(app.Stdout, "the hybrid tracker is now the default for replay and serve")
	return nil
}

func runModelsStatus(app *App, args []string) error {
	set := app.flags("models status", "[--dir DIR]")
	dirFlag := set.String("dir", "", "look in this folder (default: the data folder)")
	if err := app.parse(set, args); err != nil {
		return err
	}
	if set.NArg() > 0 {
		return badArgs("unexpected argument %q", set.Arg(0))
	}
	dir, err := modelDirFlag(*dirFlag)
	if err != nil {
		return err
	}
	st, err := handmodel.Status(dir)
	if err != nil {
		return err
	}
	fmt.Fprintf(app.Stdout, "hand models in %s:\n", dir)
	complete := true
	for _, f := range st {
		name := filepath.Base(f.Path)
		switch {
		case !f.Present:
			complete = false
			fmt.Fprintf(app.Stdout, "  %-30s missing\n", name)
		case f.Verified:
			fmt.Fprintf(app.Stdout, "  %-30s installed, verified (%d bytes, sha256 %s)\n", name, f.Bytes, f.SHA256)
		default:
			fmt.Fprintf(app.Stdout, "  %-30s present but not the file install makes (sha256 %s)\n", name, f.SHA256)
		}
	}
	if env := os.Getenv(handmodel.EnvModels); env != "" && *dirFlag == "" {
		fmt.Fprintf(app.Stdout, "%s=%s is set: trackers look there first\n", handmodel.EnvModels, env)
	}
	if !complete {
		fmt.Fprintln(app.Stdout, "not installed: the classic tracker runs. Install with 'backcoach models install' (or --from DIR)")
		return errors.New("hand models not installed")
	}
	m, err := handmodel.Load(dir)
	if err != nil {
		return fmt.Errorf("hand models present but not loadable: %w", err)
	}
	m.Close()
	fmt.Fprintln(app.Stdout, "ready: OpenCV loads both; the hybrid tracker is the default")
	return nil
}

// logTrackerChoice says which tracker a run uses and, when the classic one
// runs only because the hand models are missing, how to install them. Call it
// once the processor has picked its tracker (after calibration).
func logTrackerChoice(log zerolog.Logger, opts vision.Options, tracker string) {
	ev := log.Info().Str("tracker", tracker)
	if tracker == "classic" && opts.Tracker == "" {
		ev = ev.Str("hint", "hand models not installed: 'backcoach models install' enables the more accurate hybrid tracker")
	}
	ev.Msg("hand tracker")
}
