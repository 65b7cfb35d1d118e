package main

import (
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"

	"github.com/spf13/cobra"

	"github.com/registrar-dev/registrar/internal/config"
)

// newHealthcheckCmd is a probe for container runtimes and process
// supervisors that have no curl (a distroless image has nothing but the
// binary): it asks the local server's /readyz and exits 0 only on 200. It
// reads the configuration as serve does, so the same environment finds
// the same listener, and opens neither the store nor the master key.
func newHealthcheckCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "healthcheck",
		Short: "Exit 0 if the local server answers /readyz with 200 (for Docker's HEALTHCHECK)",
		Long: "Asks GET /readyz of the server this configuration describes (its listen address, " +
			"127.0.0.1 for 0.0.0.0) and exits 0 when it answers 200 OK, 1 otherwise. " +
			"Opens neither the store nor the master key.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			target, _ := cmd.Flags().GetString("url")
			timeout, _ := cmd.Flags().GetDuration("timeout")
			client := &http.Client{Timeout: timeout}
			if target == "" {
				cfg, err := loadConfig(cmd)
				if err != nil {
					return err
				}
				if target, err = localReadyURL(cfg); err != nil {
					return err
				}
				// The local listener's certificate names the public host,
				// not 127.0.0.1, and the probe sends nothing secret: only
				// the answer's status matters.
				client.Transport = &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}
			}
			return probeReady(cmd, client, target)
		},
	}
	cmd.Flags().String("listen", "", "the server's listen address, as given to serve (env REGISTRAR_LISTEN)")
	cmd.Flags().String("url", "", "URL to GET instead of the configured listener's /readyz (its certificate is then checked)")
	cmd.Flags().Duration("timeout", 5*time.Second, "how long to wait for the answer")
	return cmd
}

// localReadyURL is the /readyz URL of the listener cfg describes, reached
// on loopback when it listens on every address.
func localReadyURL(cfg config.Config) (string, error) {
	host, port, err := net.SplitHostPort(cfg.Listen)
	if err != nil || port == "0" {
		return "", fail("cannot probe listen %q: give a fixed host:port (--listen, REGISTRAR_LISTEN) or --url", cfg.Listen)
	}
	switch host {
	case "", "0.0.0.0":
		host = "127.0.0.1"
	case "::":
		host = "::1"
	}
	return cfg.Scheme() + "://" + net.JoinHostPort(host, port) + "/readyz", nil
}

func probeReady(cmd *cobra.Command, client *http.Client, target string) error {
	resp, err := client.Get(target)
	if err != nil {
		return fail("not ready: %v", err)
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16))
	if resp.StatusCode != http.StatusOK {
		return fail("not ready: %s answered %s", target, resp.Status)
	}
	fmt.Fprintf(cmd.OutOrStdout(), "ready: %s answered %s\n", target, resp.Status)
	return nil
}
