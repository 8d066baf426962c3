package sluice_test

import (
	"encoding/json"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// corePath is the core module's path. Every module of the repository lives
// under it, so that the README's test command,
// go test github.com/sluice-go/sluice/..., tests them all.
const corePath = "github.com/sluice-go/sluice"

// TestWorkspaceListsEveryModule checks that go.work uses every module in
// the repository and nothing else, and that each module's path lies under
// the core's: a module left out of either would silently drop out of the
// README's test command and of CI.
func TestWorkspaceListsEveryModule(t *testing.T) {
	gocmd, err := exec.LookPath("go")
	if err != nil {
		t.Skipf("skipping the workspace check: no go command in PATH (%v)", err)
	}
	out, err := exec.Command(gocmd, "work", "edit", "-json", "go.work").Output()
	if err != nil {
		t.Fatalf("go work edit -json go.work: %v", err)
	}
	var work struct{ Use []struct{ DiskPath string } }
	if err := json.Unmarshal(out, &work); err != nil {
		t.Fatal(err)
	}
	var used []string
	for _, u := range work.Use {
		used = append(used, filepath.ToSlash(filepath.Clean(u.DiskPath)))
	}
	slices.Sort(used)

	var found []string
	err = filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		name := d.Name()
		if d.IsDir() && path != "." && (strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_") || name == "testdata" || name == "vendor") {
			return filepath.SkipDir // the go command ignores these too
		}
		if d.IsDir() || name != "go.mod" {
			return nil
		}
		dir := filepath.ToSlash(filepath.Dir(path))
		found = append(found, dir)
		if mod := modulePath(t, path); mod != corePath && !strings.HasPrefix(mod, corePath+"/") {
			t.Errorf("%s: module %s is not under %s, so the README's test command misses it", path, mod, corePath)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(found)
	if !slices.Equal(used, found) {
		t.Errorf("go.work uses %v, but the modules in the repository are %v", used, found)
	}
}

// modulePath returns the path on the module line of the go.mod file name.
func modulePath(t *testing.T, name string) string {
	t.Helper()
	data, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	for line := range strings.Lines(string(data)) {
		if rest, ok := strings.CutPrefix(strings.TrimSpace(line), "module "); ok {
			return strings.Trim(strings.TrimSpace(rest), `"`)
		}
	}
	t.Fatalf("%s has no module line", name)
	return ""
}
