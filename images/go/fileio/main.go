// fileio: file system operations in a scratch directory (argv[1], or os.TempDir()).
package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"vkemu.test/guests/internal/check"
)

func main() {
	base := os.TempDir()
	if len(os.Args) > 1 {
		base = os.Args[1]
	}
	dir, err := os.MkdirTemp(base, "vkemu-fileio-")
	if !check.NoErr(err, "MkdirTemp in "+base) {
		check.Done()
	}
	defer os.RemoveAll(dir)

	// WriteFile / ReadFile / Stat.
	p := filepath.Join(dir, "a.txt")
	content := []byte("hello, file\n")
	check.NoErr(os.WriteFile(p, content, 0o644), "WriteFile")
	got, err := os.ReadFile(p)
	check.OK(err == nil && string(got) == string(content), "ReadFile round trip", "err=%v got=%q", err, got)
	st, err := os.Stat(p)
	check.OK(err == nil && st.Size() == int64(len(content)) && st.Mode().IsRegular(), "Stat size and mode", "err=%v st=%v", err, st)
	if err == nil {
		check.OK(st.Mode().Perm()&0o600 == 0o600, "Stat permission bits", "mode=%v", st.Mode())
		check.OK(st.ModTime().Year() >= 2020, "Stat mtime plausible", "mtime=%v", st.ModTime())
	}

	// Stat on a missing file gives ErrNotExist.
	_, err = os.Stat(filepath.Join(dir, "missing"))
	check.OK(errors.Is(err, fs.ErrNotExist), "Stat missing file is ErrNotExist", "err=%v", err)

	// Append + Seek + partial reads.
	f, err := os.OpenFile(p, os.O_APPEND|os.O_WRONLY, 0)
	if check.NoErr(err, "OpenFile O_APPEND") {
		_, err = f.WriteString("more\n")
		check.NoErr(err, "append write")
		check.NoErr(f.Close(), "Close")
	}
	f, err = os.Open(p)
	if check.NoErr(err, "Open for read") {
		_, err = f.Seek(7, io.SeekStart)
		buf := make([]byte, 4)
		n, err2 := io.ReadFull(f, buf)
		check.OK(err == nil && err2 == nil && n == 4 && string(buf) == "file", "Seek + ReadFull", "err=%v err2=%v buf=%q", err, err2, buf)
		off, err := f.Seek(0, io.SeekEnd)
		check.OK(err == nil && off == int64(len(content))+5, "Seek to end", "off=%d err=%v", off, err)
		f.Close()
	}

	// Rename / Remove.
	p2 := filepath.Join(dir, "b.txt")
	check.NoErr(os.Rename(p, p2), "Rename")
	_, err = os.Stat(p)
	check.OK(errors.Is(err, fs.ErrNotExist), "old name gone after Rename", "err=%v", err)
	_, err = os.Stat(p2)
	check.NoErr(err, "new name exists after Rename")

	// MkdirAll + ReadDir.
	deep := filepath.Join(dir, "x", "y", "z")
	check.NoErr(os.MkdirAll(deep, 0o755), "MkdirAll")
	for i := 0; i < 5; i++ {
		os.WriteFile(filepath.Join(deep, fmt.Sprintf("f%d", i)), []byte{byte(i)}, 0o644)
	}
	os.Mkdir(filepath.Join(deep, "sub"), 0o755)
	ents, err := os.ReadDir(deep)
	var names []string
	dirs := 0
	for _, e := range ents {
		names = append(names, e.Name())
		if e.IsDir() {
			dirs++
		}
	}
	sort.Strings(names)
	check.OK(err == nil && strings.Join(names, ",") == "f0,f1,f2,f3,f4,sub" && dirs == 1, "ReadDir lists entries", "err=%v names=%v dirs=%d", err, names, dirs)

	// A directory with many entries (exercises getdirentries buffer refills).
	many := filepath.Join(dir, "many")
	os.Mkdir(many, 0o755)
	for i := 0; i < 300; i++ {
		os.WriteFile(filepath.Join(many, fmt.Sprintf("entry-with-a-longish-name-%04d", i)), nil, 0o644)
	}
	ents, err = os.ReadDir(many)
	check.OK(err == nil && len(ents) == 300, "ReadDir of 300 entries", "err=%v n=%d", err, len(ents))

	// WalkDir.
	count := 0
	err = filepath.WalkDir(filepath.Join(dir, "x"), func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		count++
		return nil
	})
	// x, y, z, f0..f4, sub = 9
	check.OK(err == nil && count == 9, "filepath.WalkDir", "err=%v count=%d", err, count)

	// Remove of non-empty dir fails; RemoveAll works.
	err = os.Remove(filepath.Join(dir, "x"))
	check.OK(err != nil, "Remove non-empty dir fails", "")
	check.NoErr(os.RemoveAll(filepath.Join(dir, "x")), "RemoveAll")
	check.NoErr(os.Remove(p2), "Remove file")

	// bufio line scanning of a 10 000-line file.
	lp := filepath.Join(dir, "lines.txt")
	lf, err := os.Create(lp)
	if check.NoErr(err, "Create lines file") {
		w := bufio.NewWriter(lf)
		for i := 0; i < 10000; i++ {
			fmt.Fprintf(w, "line %d %s\n", i, strings.Repeat("x", i%37))
		}
		check.NoErr(w.Flush(), "bufio Flush")
		check.NoErr(lf.Close(), "Close lines file")
		rf, err := os.Open(lp)
		if check.NoErr(err, "Open lines file") {
			sc := bufio.NewScanner(rf)
			n, okLines := 0, true
			for sc.Scan() {
				want := fmt.Sprintf("line %d %s", n, strings.Repeat("x", n%37))
				if sc.Text() != want {
					okLines = false
				}
				n++
			}
			check.OK(sc.Err() == nil && n == 10000 && okLines, "bufio.Scanner reads 10000 lines", "err=%v n=%d ok=%v", sc.Err(), n, okLines)
			rf.Close()
		}
	}

	// Getwd / Chdir.
	orig, err := os.Getwd()
	check.OK(err == nil && filepath.IsAbs(orig), "Getwd", "err=%v wd=%q", err, orig)
	check.NoErr(os.Chdir(dir), "Chdir to scratch dir")
	wd, err := os.Getwd()
	realDir, _ := filepath.EvalSymlinks(dir)
	check.OK(err == nil && (wd == dir || wd == realDir), "Getwd after Chdir", "err=%v wd=%q want %q", err, wd, dir)
	// Relative paths resolve against the new cwd.
	check.NoErr(os.WriteFile("rel.txt", []byte("r"), 0o644), "WriteFile relative path")
	_, err = os.Stat(filepath.Join(dir, "rel.txt"))
	check.NoErr(err, "relative file landed in cwd")
	check.NoErr(os.Chdir(orig), "Chdir back")

	// Symlink + Readlink + Lstat.
	target := filepath.Join(dir, "target.txt")
	os.WriteFile(target, []byte("T"), 0o644)
	link := filepath.Join(dir, "link")
	check.NoErr(os.Symlink("target.txt", link), "Symlink")
	rl, err := os.Readlink(link)
	check.OK(err == nil && rl == "target.txt", "Readlink", "err=%v got=%q", err, rl)
	lst, err := os.Lstat(link)
	check.OK(err == nil && lst.Mode()&fs.ModeSymlink != 0, "Lstat sees a symlink", "err=%v mode=%v", err, lst)
	data, err := os.ReadFile(link)
	check.OK(err == nil && string(data) == "T", "read through symlink", "err=%v data=%q", err, data)

	// Chmod + Truncate.
	check.NoErr(os.Chmod(target, 0o600), "Chmod")
	st, err = os.Stat(target)
	check.OK(err == nil && st.Mode().Perm() == 0o600, "Chmod took effect", "err=%v mode=%v", err, st)
	check.NoErr(os.Truncate(target, 0), "Truncate")
	st, err = os.Stat(target)
	check.OK(err == nil && st.Size() == 0, "Truncate took effect", "err=%v", err)

	// Pipe.
	r, w, err := os.Pipe()
	if check.NoErr(err, "os.Pipe") {
		go func() { w.Write([]byte("through the pipe")); w.Close() }()
		b, err := io.ReadAll(r)
		check.OK(err == nil && string(b) == "through the pipe", "pipe transfer", "err=%v b=%q", err, b)
		r.Close()
	}

	check.Done()
}
