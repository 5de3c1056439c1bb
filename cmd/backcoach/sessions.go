package main

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/backcoach/backcoach/models"
	"github.com/backcoach/backcoach/web"
	"github.com/backcoach/backcoach/web/report"
)

func init() {
	register("sessions", "list past live sessions with their summary", runSessions)
}

// sessionJSON is one session in `sessions --json`.
type sessionJSON struct {
	ID       string         `json:"id"`
	Log      string         `json:"log"`
	Started  time.Time      `json:"started"`
	Length   float64        `json:"length"`
	Source   string         `json:"source,omitempty"`
	Demo     bool           `json:"demo,omitempty"`
	Finished bool           `json:"finished"`
	Summary  models.Summary `json:"summary"`
	Headline string         `json:"headline"`
	HTML     string         `json:"html,omitempty"`
}

func runSessions(ctx context.Context, app *App, args []string) error {
	fs := app.flags("sessions", "[SESSION] [--data DIR] [--json] [--html OUT.html]")
	data := fs.String("data", "", "folder of the session logs (default $XDG_DATA_HOME/backcoach or ~/.local/share/backcoach)")
	asJSON := fs.Bool("json", false, "print the sessions as JSON (for scripts)")
	html := fs.String("html", "", "write a report page for SESSION (default: the latest) to OUT.html")
	var pick string
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		pick, args = args[0], args[1:]
	}
	if err := app.parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		if pick != "" || fs.NArg() > 1 {
			return badArgs("one session at a time (got %q)", strings.Join(fs.Args(), " "))
		}
		pick = fs.Arg(0)
	}
	dir := *data
	if dir == "" {
		var err error
		if dir, err = web.DefaultDataDir(); err != nil {
			return badArgs("%v", err)
		}
	}
	list, skipped, err := report.ListSessions(dir)
	if err != nil {
		return badInput(err)
	}
	for _, e := range skipped {
		app.Log.Warn().Err(e).Msg("skipped a session log")
	}
	if pick != "" || *html != "" {
		s, err := findSession(list, pick, dir)
		if err != nil {
			return err
		}
		list = []*report.Session{s}
	}
	if *html != "" {
		if *html == "-" {
			return report.WriteHTML(app.Stdout, list[0].Report(), nil)
		}
		if err := report.WriteFile(*html, list[0].Report(), nil); err != nil {
			return badArgs("%v", err)
		}
		app.Log.Info().Str("session", list[0].ID).Str("html", *html).Msg("report page written")
		return nil
	}
	if *asJSON {
		out := make([]sessionJSON, 0, len(list))
		for _, s := range list {
			out = append(out, sessionJSON{ID: s.ID, Log: s.Path, Started: s.Started, Length: s.Length,
				Source: s.Source, Demo: s.Demo, Finished: s.Summary != nil, Summary: s.Summarised(),
				Headline: s.Headline(), HTML: s.HTML})
		}
		b, err := json.MarshalIndent(out, "", " ")
		if err != nil {
			return fmt.Errorf("encode sessions: %w", err)
		}
		_, err = fmt.Fprintf(app.Stdout, "%s\n", b)
		return err
	}
	if len(list) == 0 {
		fmt.Fprintf(app.Stdout, "No sessions yet in %s.\nStart one with: backcoach serve\n", dir)
		return nil
	}
	if pick != "" {
		return printSession(app, list[0])
	}
	n := "sessions"
	if len(list) == 1 {
		n = "session"
	}
	fmt.Fprintf(app.Stdout, "%d %s in %s (newest first)\n\n", len(list), n, dir)
	tw := tabwriter.NewWriter(app.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "WHEN\tLENGTH\tSTROKES\tGOOD\tSUMMARY\tSESSION")
	for _, s := range list {
		sum := s.Summarised()
		head := s.Headline()
		if s.Summary == nil {
			head += " (ended early: no summary)"
		}
		if s.HTML != "" {
			head += " [report: " + s.HTML + "]"
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%s\t%s\n", when(s.Started), clockLen(math.Max(sum.Duration, s.Length)),
			sum.Strokes, sum.GoodStrokes, head, s.ID)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(app.Stdout, "\nDetails of one: backcoach sessions SESSION   Its report page: backcoach sessions SESSION --html OUT.html")
	return nil
}

// findSession picks a session by id or unique id prefix; "" is the latest.
func findSession(list []*report.Session, pick, dir string) (*report.Session, error) {
	if len(list) == 0 {
		return nil, badInput(fmt.Errorf("no sessions in %s", dir))
	}
	if pick == "" || pick == "latest" {
		return list[0], nil
	}
	var found []*report.Session
	for _, s := range list {
		if s.ID == pick {
			return s, nil
		}
		if strings.HasPrefix(s.ID, pick) {
			found = append(found, s)
		}
	}
	switch len(found) {
	case 0:
		return nil, badArgs("no session %q in %s (see 'backcoach sessions')", pick, dir)
	case 1:
		return found[0], nil
	}
	return nil, badArgs("%q matches %d sessions; give more of the id", pick, len(found))
}

// printSession prints one session in detail: its summary, strokes and tips.
func printSession(app *App, s *report.Session) error {
	w := app.Stdout
	sum := s.Summarised()
	fmt.Fprintf(w, "Session %s, %s, %s long\n", s.ID, when(s.Started), clockLen(math.Max(sum.Duration, s.Length)))
	if s.Source != "" {
		fmt.Fprintf(w, "Source: %s\n", s.Source)
	}
	fmt.Fprintf(w, "\n%s\n", s.Headline())
	if s.Summary == nil {
		fmt.Fprintln(w, "(The session ended early, without a summary: these counts come from the log.)")
	}
	if c := sum.Coverage; c != nil && c.LeftSeconds+c.RightSeconds > 0 {
		l := int(math.Round(100 * c.LeftSeconds / (c.LeftSeconds + c.RightSeconds)))
		fmt.Fprintf(w, "Left side %d%%, right side %d%% of the time.\n", l, 100-l)
	}
	if len(s.Strokes) > 0 {
		fmt.Fprintln(w)
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "#\tSTARTED\tTOOK\tCIRCLES\tTOP PACE\tVERDICT")
		for i, st := range s.Strokes {
			var vs []string
			for _, v := range st.Verdicts {
				vs = append(vs, string(v))
			}
			fmt.Fprintf(tw, "%d\t%s\t%.1f s\t%d\t%.2f L/s\t%s\n", i+1, clockLen(st.Start), st.End-st.Start, st.Circles, st.PeakSpeed, strings.Join(vs, ", "))
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	if len(sum.Codes) > 0 {
		fmt.Fprintln(w, "\nTips from the coach:")
		for _, c := range models.AllCodes {
			if n := sum.Codes[c]; n > 0 {
				fmt.Fprintf(w, "  %d × %s\n", n, c.Message())
			}
		}
	}
	if s.BadLines > 0 {
		fmt.Fprintf(w, "\n(%d damaged lines of the log were skipped.)\n", s.BadLines)
	}
	fmt.Fprintf(w, "\nLog: %s\n", s.Path)
	return nil
}

// when formats a wall-clock time for people, in local time.
func when(t time.Time) string {
	if t.IsZero() {
		return "unknown time"
	}
	return t.Local().Format("Mon 2 Jan 2006 15:04")
}

// clockLen formats seconds as m:ss (h:mm:ss past an hour).
func clockLen(s float64) string {
	if math.IsNaN(s) || math.IsInf(s, 0) || s < 0 {
		s = 0
	}
	n := int(math.Round(s))
	if n >= 3600 {
		return fmt.Sprintf("%d:%02d:%02d", n/3600, n/60%60, n%60)
	}
	return fmt.Sprintf("%d:%02d", n/60, n%60)
}
