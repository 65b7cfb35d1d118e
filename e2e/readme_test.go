package e2e

import (
	"os"
	"strings"
	"testing"
)

// readmeItem is a heading or a fenced block of the README, in the order
// they come.
type readmeItem struct {
	Heading string // a heading line outside any block; "" for a block
	Lang    string // the block's info string (sh, yaml, json…)
	Block   string // the block's lines, each ending in a newline
}

// readmeItems returns the headings and fenced blocks that follow the
// README heading line starting with heading, up to the end of the file:
// tests that run what the README shows read it from there, so the two
// cannot drift apart.
func readmeItems(t *testing.T, heading string) []readmeItem {
	t.Helper()
	raw, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, section, found := strings.Cut(string(raw), "\n"+heading)
	if !found {
		t.Fatalf("README has no section %q", heading)
	}
	_, section, _ = strings.Cut(section, "\n") // the rest of the heading line
	var items []readmeItem
	var block *readmeItem
	for _, line := range strings.Split(section, "\n") {
		switch {
		case block == nil && strings.HasPrefix(line, "```") && len(line) > 3:
			block = &readmeItem{Lang: line[3:]}
		case block == nil && strings.HasPrefix(line, "#") && !strings.HasPrefix(line, "#!"):
			items = append(items, readmeItem{Heading: line})
		case block != nil && line == "```":
			items = append(items, *block)
			block = nil
		case block != nil:
			block.Block += line + "\n"
		}
	}
	return items
}

// readmeShellBlocks returns the ```sh blocks of the README section that
// starts with heading, up to the next heading.
func readmeShellBlocks(t *testing.T, heading string) []string {
	t.Helper()
	var blocks []string
	for _, it := range readmeItems(t, heading) {
		if it.Heading != "" {
			break
		}
		if it.Lang == "sh" {
			blocks = append(blocks, it.Block)
		}
	}
	return blocks
}
