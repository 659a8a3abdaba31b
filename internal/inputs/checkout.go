package inputs

import (
	"errors"
	"path/filepath"
	"strconv"
	"strings"
)

// Checkout holds the inputs of checkout.
type Checkout struct {
	// Manifest is the snapshot's JSON as given, checked by the manifest
	// package; empty: read from Tag.
	Manifest   string
	Tag        string
	Components []string // empty: every component of the snapshot
	Graph      string   // as plan reads it, for the components' dependencies
	// Path is the folder under the workspace, slash-separated and clean;
	// "." is the workspace itself.
	Path       string
	MaxBytes   int64
	MaxEntries int
}

// Bounds of max-bytes and max-entries: an archive of a large repository
// (the Linux kernel's holds 90,000 files, 1.5 GiB) fits the defaults.
const (
	MaxMaxBytes   = 1 << 40
	MaxMaxEntries = 10_000_000
)

// Checkout validates the inputs of checkout.
func (v Values) Checkout() (Checkout, error) {
	c := Checkout{
		Manifest:   v.Get("manifest"),
		Tag:        v.Get("tag"),
		Components: SplitList(v.Get("components")),
		Graph:      v.values["graph"],
	}
	var errs []error
	switch {
	case c.Manifest == "" && c.Tag == "":
		errs = append(errs, Errorf("manifest", "is empty, and so is tag: pass the snapshot to lay out, as plan's manifest output, or the tag of a nightly that records one"))
	case c.Manifest != "" && c.Tag != "":
		errs = append(errs, Errorf("tag", "must be empty when manifest is set: pass one snapshot, the manifest or the tag that records it"))
	}
	if c.Tag != "" {
		if err := CheckTagName("tag", c.Tag); err != nil {
			errs = append(errs, err)
		}
	}
	path, err := checkoutPath(v.Get("path"))
	if err != nil {
		errs = append(errs, err)
	}
	c.Path = path
	if c.MaxBytes, err = parseBytes("max-bytes", v.Get("max-bytes"), MaxMaxBytes); err != nil {
		errs = append(errs, err)
	}
	if c.MaxEntries, err = parseInt("max-entries", v.Get("max-entries"), 1, MaxMaxEntries); err != nil {
		errs = append(errs, err)
	}
	return c, errors.Join(errs...)
}

// checkoutPath reads the path input as a folder inside the workspace;
// whether it goes through a link is seen when it is opened.
func checkoutPath(s string) (string, error) {
	if s == "" {
		return ".", nil
	}
	clean := filepath.ToSlash(filepath.Clean(filepath.FromSlash(s)))
	if filepath.IsAbs(s) || strings.HasPrefix(s, "/") || !filepath.IsLocal(filepath.FromSlash(clean)) && clean != "." {
		return "", Errorf("path", "must be a folder inside the workspace, relative to it, such as src; got %.200q", s)
	}
	if strings.ContainsFunc(s, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
		return "", Errorf("path", "must not contain control characters; got %.200q", s)
	}
	return clean, nil
}

// parseBytes reads a size: a number of bytes, or one with KiB, MiB or GiB.
func parseBytes(input, s string, most int64) (int64, error) {
	number, unit := s, int64(1)
	for _, u := range []struct {
		suffix string
		size   int64
	}{{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}} {
		if rest, ok := strings.CutSuffix(s, u.suffix); ok {
			number, unit = strings.TrimSpace(rest), u.size
			break
		}
	}
	n, err := strconv.ParseInt(number, 10, 64)
	if err != nil || n < 1 || n > most/unit {
		return 0, Errorf(input, "must be a size from 1 byte to 1024GiB, such as 2GiB, 500MiB or 1048576; got %.40q", s)
	}
	return n * unit, nil
}
