//! `concord serve`: run the homeserver.

use std::sync::Arc;

use crate::app::{app, AppState};
use crate::config::Config;
use crate::{logging, server};

use super::{runtime, ServeArgs};

/// Loads the config, opens the state, binds, serves until ctrl-c or SIGTERM.
pub(super) fn run(args: &ServeArgs) -> anyhow::Result<()> {
    let config = Config::load(&args.config)?;
    logging::init(&config.logging.level);
    runtime()?.block_on(async {
        let server_name = config.server_name.clone();
        let listener_configs = config.listeners.clone();
        let state = AppState::open(config).await?;
        let listeners = server::bind(&listener_configs).await?;
        for listener in &listeners {
            if let Ok(address) = listener.local_addr() {
                let scheme = listener.scheme();
                tracing::info!(%server_name, "listening on {scheme}://{address}");
            }
        }
        // Only one process per database should send (see `federation::sender`).
        let sender = Arc::clone(state.federation_sender());
        sender.start();
        server::serve(app(state), listeners, server::shutdown_signal()).await;
        sender.shutdown();
        Ok(())
    })
}
