package main

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"
)

// rejectUnknownSubcommands makes every command group below root (client,
// policy, admin token, …) refuse a word that is none of its subcommands.
// Cobra answers one with the group's help and exit status 0, so a
// mistyped `registrar client lst` in a script would pass for done. A group
// called alone still prints its help.
func rejectUnknownSubcommands(root *cobra.Command) {
	for _, group := range root.Commands() {
		if !group.HasSubCommands() {
			continue
		}
		if !group.Runnable() {
			group.Args = unknownSubcommand
			group.SuggestionsMinimumDistance = 2
			group.RunE = func(cmd *cobra.Command, _ []string) error { return cmd.Help() }
		}
		rejectUnknownSubcommands(group)
	}
}

// unknownSubcommand refuses any argument to a group, suggesting the
// subcommand closest to it.
func unknownSubcommand(cmd *cobra.Command, args []string) error {
	if len(args) == 0 {
		return nil
	}
	msg := fmt.Sprintf("unknown command %q for %q", args[0], cmd.CommandPath())
	if near := cmd.SuggestionsFor(args[0]); len(near) > 0 {
		msg += fmt.Sprintf("; did you mean %s?", strings.Join(near, " or "))
	}
	return fmt.Errorf("%s\nusage: %s COMMAND\nrun '%s --help' for its commands", msg, cmd.CommandPath(), cmd.CommandPath())
}
