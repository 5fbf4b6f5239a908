package aigatewayreceiver // import "github.com/otelcol-aoai/otelcol-aoai/receiver/aigatewayreceiver"

import (
	"context"
	"errors"
	"net"
	"net/http"
	"sync"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componentstatus"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/receiver"
	"go.uber.org/zap"
)

// gatewayReceiver serves the exchange-record endpoint.
type gatewayReceiver struct {
	cfg      *Config
	settings receiver.Settings
	next     consumer.Traces

	server     *http.Server
	shutdownWG sync.WaitGroup
}

func newReceiver(cfg *Config, set receiver.Settings, next consumer.Traces) (*gatewayReceiver, error) {
	return &gatewayReceiver{cfg: cfg, settings: set, next: next}, nil
}

// Start opens the HTTP server; it returns once the port is bound.
func (r *gatewayReceiver) Start(ctx context.Context, host component.Host) error {
	mux := http.NewServeMux()
	mux.HandleFunc(r.cfg.Path, r.handleExchanges)

	var err error
	r.server, err = r.cfg.ServerConfig.ToServer(ctx, host.GetExtensions(), r.settings.TelemetrySettings, mux)
	if err != nil {
		return err
	}
	var listener net.Listener
	listener, err = r.cfg.ServerConfig.ToListener(ctx)
	if err != nil {
		return errors.Join(err, r.Shutdown(ctx))
	}
	r.settings.Logger.Info("Starting ai_gateway receiver",
		zap.String("endpoint", listener.Addr().String()), zap.String("path", r.cfg.Path))

	r.shutdownWG.Go(func() {
		if errServe := r.server.Serve(listener); errServe != nil && !errors.Is(errServe, http.ErrServerClosed) {
			componentstatus.ReportStatus(host, componentstatus.NewFatalErrorEvent(errServe))
		}
	})
	return nil
}

// Shutdown stops intake and waits for requests in flight, within ctx's deadline.
func (r *gatewayReceiver) Shutdown(ctx context.Context) error {
	var err error
	if r.server != nil {
		err = r.server.Shutdown(ctx)
	}
	r.shutdownWG.Wait()
	return err
}

func (r *gatewayReceiver) handleExchanges(w http.ResponseWriter, req *http.Request) {
	if req.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "", http.StatusMethodNotAllowed)
		return
	}
	http.Error(w, `{"error":"exchange records are not accepted yet"}`, http.StatusNotImplemented)
}
