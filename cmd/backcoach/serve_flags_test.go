package main

import (
	"bytes"
	"strings"
	"testing"
)

func TestServeBadArgs(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"serve", "--camera", "0", "--video", "x.mp4"}, "choose one of"},
		{[]string{"serve", "--loop"}, "--loop goes with --video"},
		{[]string{"serve", "--video", "/nonexistent.mp4"}, "/nonexistent.mp4"},
		{[]string{"serve", "--video", "../../testdata", "--listen", "0.0.0.0:0"}, "--token"},
		{[]string{"serve", "--listen", "nonsense", "--video", "../../testdata"}, "HOST:PORT"},
		{[]string{"serve", "extra"}, "unexpected argument"},
		{[]string{"serve", "--head", "sideways"}, "--head"},
		{[]string{"record"}, "--out"},
		{[]string{"record", "--out", "x.txt"}, ".mp4"},
	} {
		var out, errb bytes.Buffer
		code := Main(c.args, &out, &errb)
		if code != 2 {
			t.Errorf("%v: exit %d, want 2 (%s)", c.args, code, errb.String())
			continue
		}
		if !strings.Contains(errb.String(), c.want) {
			t.Errorf("%v: stderr %q does not mention %q", c.args, errb.String(), c.want)
		}
		if strings.Count(strings.TrimSpace(errb.String()), "\n") > 0 {
			t.Errorf("%v: want one line on stderr, got %q", c.args, errb.String())
		}
	}
}
