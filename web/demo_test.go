package web_test

import (
	"os"
	"testing"

	"github.com/backcoach/backcoach/web"
)

func TestExtractDemo(t *testing.T) {
	b := web.DemoVideo()
	if b == nil {
		t.Skip("this build has no demo recording")
	}
	if len(b) > 3<<20 {
		t.Errorf("the demo recording is %d bytes; keep it under 3 MB", len(b))
	}
	dir := t.TempDir()
	p1, err := web.ExtractDemo(dir)
	if err != nil {
		t.Fatal(err)
	}
	p2, err := web.ExtractDemo(dir)
	if err != nil || p2 != p1 {
		t.Fatalf("second extract: %q %v", p2, err)
	}
	st, err := os.Stat(p1)
	if err != nil || st.Size() != int64(len(b)) {
		t.Fatalf("extracted %v %v", st, err)
	}
}
