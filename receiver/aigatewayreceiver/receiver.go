package aigatewayreceiver // import "github.com/otelcol-aoai/otelcol-aoai/receiver/aigatewayreceiver"

import (
	"context"
	"errors"
	"net"
	"net/http"
	"sync"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componentstatus"
	"go.opentelemetry.io/collector/config/confighttp"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/receiver"
	"go.opentelemetry.io/collector/receiver/receiverhelper"
	"go.uber.org/zap"

	"github.com/otelcol-aoai/otelcol-aoai/internal/exchange"
	"github.com/otelcol-aoai/otelcol-aoai/receiver/aigatewayreceiver/internal/metadata"
)

// gatewayReceiver serves the exchange-record endpoint: HTTP in, one span per
// valid record out. Decoding and translation live in internal/exchange,
// shared with every other door that takes records.
type gatewayReceiver struct {
	cfg       *Config
	settings  receiver.Settings
	next      consumer.Traces
	decoder   *exchange.Decoder
	obsreport *receiverhelper.ObsReport
	telemetry *receiverTelemetry
	bodies    bodyPool

	server     *http.Server
	endpoint   string // the bound address, known once Start returns
	shutdownWG sync.WaitGroup
}

func newReceiver(cfg *Config, set receiver.Settings, next consumer.Traces) (*gatewayReceiver, error) {
	transport := "http"
	if cfg.ServerConfig.TLS.HasValue() {
		transport = "https"
	}
	obsreport, err := receiverhelper.NewObsReport(receiverhelper.ObsReportSettings{
		ReceiverID:             set.ID,
		Transport:              transport,
		ReceiverCreateSettings: set,
	})
	if err != nil {
		return nil, err
	}
	telemetry, err := newReceiverTelemetry(set.TelemetrySettings)
	if err != nil {
		return nil, err
	}
	return &gatewayReceiver{
		cfg:      cfg,
		settings: set,
		next:     next,
		decoder: exchange.NewDecoder(exchange.Options{
			RecordConfig: cfg.RecordConfig,
			ScopeName:    metadata.ScopeName,
		}),
		obsreport: obsreport,
		telemetry: telemetry,
	}, nil
}

// Start opens the HTTP server; it returns once the port is bound.
func (r *gatewayReceiver) Start(ctx context.Context, host component.Host) error {
	mux := http.NewServeMux()
	mux.HandleFunc(r.cfg.Path, r.handleExchanges)

	var err error
	r.server, err = r.cfg.ServerConfig.ToServer(ctx, host.GetExtensions(), r.settings.TelemetrySettings, mux,
		confighttp.WithErrorHandler(confighttpErrorHandler()))
	if err != nil {
		return err
	}
	var listener net.Listener
	listener, err = r.cfg.ServerConfig.ToListener(ctx)
	if err != nil {
		return errors.Join(err, r.Shutdown(ctx))
	}
	r.endpoint = listener.Addr().String()
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
	if r.telemetry != nil {
		r.telemetry.shutdown()
	}
	return err
}
