package main

import (
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/registrar-dev/registrar/internal/bench"
)

func newBenchCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "bench",
		Short: "Start this binary on a temporary store, load it on loopback and print figures",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			o := bench.Options{}
			f := cmd.Flags()
			o.Connections, _ = f.GetInt("connections")
			o.Duration, _ = f.GetDuration("duration")
			o.Warmup, _ = f.GetDuration("warmup")
			o.JSON, _ = f.GetBool("json")
			o.Binary, _ = f.GetString("binary")
			o.DB, _ = cmd.Flags().GetString("db")
			o.Nodes, _ = f.GetInt("nodes")
			if list, _ := f.GetString("workloads"); list != "" {
				o.Workloads = strings.Split(list, ",")
			}
			if o.Binary == "" {
				exe, err := os.Executable()
				if err != nil {
					return err
				}
				o.Binary = exe
			}
			return bench.Main(cmd.Context(), o, cmd.OutOrStdout())
		},
	}
	f := cmd.Flags()
	f.Int("connections", 32, "concurrent keep-alive connections")
	f.Duration("duration", 10*time.Second, "measured time per workload")
	f.Duration("warmup", 2*time.Second, "unmeasured time before each workload")
	f.String("workloads", "", "comma-separated subset: "+strings.Join(bench.WorkloadNames(), ",")+" (the -tls workloads start a second server, serving HTTPS with a CA the bench makes)")
	f.String("binary", "", "registrar binary to start (default: this one)")
	f.Int("nodes", 1, "servers on the one store, sharing its master key and base URL (past 1, PostgreSQL only): each workload runs on one node, then spread over all, with the ratio")
	f.Bool("json", false, "print JSON")
	return cmd
}
