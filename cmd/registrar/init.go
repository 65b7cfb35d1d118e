package main

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/registrar-dev/registrar/internal/config"
	"github.com/registrar-dev/registrar/internal/masterkey"
	"github.com/registrar-dev/registrar/internal/store/backend"
)

// The files init makes in its folder, named as the configuration it
// writes names them.
const (
	initConfigFile = "registrar.yaml"
	initKeyFile    = "registrar.key"
	initStoreFile  = "registrar.db"
)

func newInitCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "init [--dir D]",
		Short: "Make a new installation: a commented registrar.yaml, a master key file and an empty store",
		Long: "Writes, in --dir (made if missing), registrar.yaml (every setting with its default and what it\n" +
			"does), registrar.key (the master key, mode 0600; back it up) and registrar.db (an empty SQLite\n" +
			"store). It overwrites nothing: a folder that holds any of the three is refused.",
		Args: cobra.NoArgs,
		RunE: runInit,
	}
	cmd.Flags().String("dir", ".", "folder to make the installation in")
	return cmd
}

func runInit(cmd *cobra.Command, _ []string) error {
	dir, _ := cmd.Flags().GetString("dir")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	var present []string
	for _, name := range []string{initConfigFile, initKeyFile, initStoreFile} {
		if _, err := os.Stat(filepath.Join(dir, name)); !errors.Is(err, fs.ErrNotExist) {
			present = append(present, filepath.Join(dir, name))
		}
	}
	if len(present) > 0 {
		return fail("%s already holds %v: init overwrites nothing; use another --dir, or start the server there", config.AbsPath(dir), present)
	}
	// The file ends with a newline already; writeNewFile adds one.
	if err := writeNewFile(filepath.Join(dir, initConfigFile), bytes.TrimSuffix(config.ExampleYAML, []byte("\n")), 0o600); err != nil {
		return err
	}
	if _, _, err := masterkey.Load("", filepath.Join(dir, initKeyFile)); err != nil {
		return fmt.Errorf("master key: %w", err)
	}
	st, err := backend.Open(cmd.Context(), "sqlite:"+filepath.Join(dir, initStoreFile), cliLogger(cmd, config.Default()))
	if err != nil {
		return err
	}
	st.Close()
	printInitNext(cmd, dir)
	return nil
}

// printInitNext says what init made and what to do next.
func printInitNext(cmd *cobra.Command, dir string) {
	w := cmd.OutOrStdout()
	abs := config.AbsPath(dir)
	fmt.Fprintf(w, `Made a new Registrar installation in %s:
  %-15s the configuration: every setting with its default and what it does
  %-15s the master key (mode 0600): back it up; without it keys and secrets cannot be used
  %-15s an empty SQLite store

Next:
  cd %s
  registrar serve --config %s     # prints a bootstrap client once, then where it listens
Run the other commands (client, iat, user, keys) in that folder too, or give them
--db, --master-key-file and --config: they refuse to work without the server's store and key.
`, abs, initConfigFile, initKeyFile, initStoreFile, abs, initConfigFile)
}
