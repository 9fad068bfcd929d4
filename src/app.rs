//! HTTP assembly: the engine state ([`AppState`]) and the one [`app`] router shared by `serve`
//! and the tests.
//!
//! A request goes: listener → this router (CORS, one tracing span per request carrying the
//! matched route) → a handler in `client_api` or `federation` → the handler's port trait →
//! its implementation on [`AppState`] in `app/ports.rs`.

mod cors;
mod ports;

use std::io;
use std::path::PathBuf;
use std::sync::Arc;

use axum::extract::{MatchedPath, Request};
use axum::routing::get;
use axum::Router;
use state_res::signing::KeyPair;
use tower::util::MapRequestLayer;
use tower_http::trace::{DefaultOnResponse, TraceLayer};
use tracing::Level;

use crate::config::Config;
use crate::federation::{ClientSetupError, FederationClient, FederationSender, KeyRing};
use crate::services::account_data::AccountData;
use crate::services::accounts::Accounts;
use crate::services::credentials::Credentials;
use crate::services::device_keys::DeviceKeys;
use crate::services::devices::Devices;
use crate::services::ephemeral::outgoing::EduOutbox;
use crate::services::ephemeral::presence::Presence;
use crate::services::ephemeral::receipts::Receipts;
use crate::services::ephemeral::typing::Typing;
use crate::services::notifier::Notifier;
use crate::services::rate_limit::RateLimiter;
use crate::services::rooms::locks::RoomLocks;
use crate::services::rooms::{Rooms, DEFAULT_ROOM_VERSION};
use crate::services::sessions::Sessions;
use crate::services::sync::Sync;
use crate::services::to_device::ToDevice;
use crate::services::uia::Uia;
use crate::signing_key::{self, SigningKeyError};
use crate::storage::{Database, StorageError};

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    /// The directory for the SQLite database could not be created.
    #[error("cannot create the database directory {path}: {error}")]
    DatabaseDirectory {
        /// The directory.
        path: PathBuf,
        /// The I/O error.
        error: io::Error,
    },
    /// Connecting to the database or migrating it failed.
    #[error(transparent)]
    Database(#[from] StorageError),
    /// The signing key could not be read or created.
    #[error(transparent)]
    SigningKey(#[from] SigningKeyError),
    /// The federation client could not be set up (its extra CAs).
    #[error(transparent)]
    FederationClient(#[from] ClientSetupError),
}

/// Everything the handlers reach through their ports.
#[derive(Debug)]
pub struct AppState {
    config: Config,
    signing_key: KeyPair,
    database: Database,
    sessions: Arc<Sessions>,
    accounts: Accounts,
    devices: Devices,
    rooms: Arc<Rooms>,
    /// `rc_message`, per sending user.
    message_limiter: RateLimiter,
    /// Other servers' keys (and the client that fetches them).
    key_ring: Arc<KeyRing>,
    /// Requests to other servers.
    federation_client: FederationClient,
    /// The durable outgoing queue (PDUs and EDUs to other servers).
    federation_sender: Arc<FederationSender>,
    /// One inbound transaction at a time per origin (keyed by origin).
    inbound_transactions: RoomLocks,
    account_data: Arc<AccountData>,
    sync: Sync,
    typing: Arc<Typing>,
    receipts: Arc<Receipts>,
    presence: Arc<Presence>,
    /// End-to-end keys and device list changes.
    device_keys: Arc<DeviceKeys>,
    to_device: Arc<ToDevice>,
}

impl AppState {
    /// A state from its parts; builds the services and hands each its collaborators.
    pub fn new(
        config: Config,
        signing_key: KeyPair,
        database: Database,
        federation_client: FederationClient,
    ) -> Self {
        let credentials = Arc::new(Credentials::new(
            database.clone(),
            config.server_name.clone(),
        ));
        let sessions = Arc::new(
            Sessions::new(
                database.clone(),
                Arc::clone(&credentials),
                config.well_known.client.clone(),
                config.registration.refreshable_access_token_lifetime_ms,
            )
            .with_login_limits(&config.rc_login),
        );
        let uia = Arc::new(Uia::new(
            database.clone(),
            credentials,
            config.registration.registration_tokens.clone(),
        ));
        let accounts = Accounts::new(
            database.clone(),
            config.server_name.clone(),
            config.registration.clone(),
            Arc::clone(&sessions),
            Arc::clone(&uia),
        );
        let devices = Devices::new(database.clone(), Arc::clone(&uia));
        let rooms = Rooms::new(
            database.clone(),
            config.server_name.clone(),
            signing_key.clone(),
            DEFAULT_ROOM_VERSION,
        );
        let message_limiter = RateLimiter::new(config.rc_message);
        let key_ring = Arc::new(KeyRing::new(
            database.clone(),
            federation_client.clone(),
            signing_key.clone(),
        ));
        let notifier = Arc::new(Notifier::default());
        let federation_sender = Arc::new(FederationSender::new(
            database.clone(),
            federation_client.clone(),
            &config.federation,
        ));
        let rooms = Arc::new(
            rooms
                .with_notifier(Arc::clone(&notifier))
                .with_federation_sender(Arc::clone(&federation_sender)),
        );
        let account_data = Arc::new(AccountData::new(database.clone(), Arc::clone(&notifier)));
        let outbox = EduOutbox::new(
            database.clone(),
            config.server_name.clone(),
            Arc::clone(&federation_sender),
        );
        let typing = Typing::with_outbox(database.clone(), Arc::clone(&notifier), outbox.clone());
        let receipts = Arc::new(
            Receipts::new(
                database.clone(),
                Arc::clone(&notifier),
                Arc::clone(&account_data),
            )
            .with_outbox(outbox.clone()),
        );
        let presence = Presence::new(
            database.clone(),
            Arc::clone(&notifier),
            config.presence.enabled,
            outbox.clone(),
        );
        let device_keys = Arc::new(
            DeviceKeys::new(
                database.clone(),
                config.server_name.clone(),
                Arc::clone(&notifier),
            )
            .with_federation_sender(Arc::clone(&federation_sender))
            .with_uia(uia),
        );
        let to_device = Arc::new(ToDevice::new(
            database.clone(),
            Arc::clone(&notifier),
            config.server_name.clone(),
            outbox,
        ));
        let sync = Sync::new(
            database.clone(),
            notifier,
            Arc::clone(&account_data),
            Arc::clone(&rooms),
            Arc::clone(&typing),
            Arc::clone(&receipts),
            Arc::clone(&presence),
            Arc::clone(&to_device),
        )
        .with_device_keys(Arc::clone(&device_keys));
        Self {
            message_limiter,
            key_ring,
            federation_client,
            federation_sender,
            inbound_transactions: RoomLocks::default(),
            config,
            signing_key,
            database,
            sessions,
            accounts,
            devices,
            rooms,
            account_data,
            sync,
            typing,
            receipts,
            presence,
            device_keys,
            to_device,
        }
    }

    /// Loads (or creates) the signing key and connects to (creating and migrating) the
    /// database named by a loaded, validated `config`.
    pub async fn open(config: Config) -> Result<Self, StartupError> {
        let (signing_key, created) = signing_key::load_or_generate(&config.signing_key_path)?;
        if created {
            tracing::info!(
                key_id = signing_key.key_id(),
                path = %config.signing_key_path.display(),
                "created a new signing key"
            );
        }
        if let Some(parent) = config
            .database
            .sqlite_file()
            .as_deref()
            .and_then(|f| f.parent())
        {
            std::fs::create_dir_all(parent).map_err(|error| StartupError::DatabaseDirectory {
                path: parent.to_path_buf(),
                error,
            })?;
        }
        let database = Database::connect(&config.database.url).await?;
        let federation_client =
            FederationClient::new(&config.federation, &config.server_name, signing_key.clone())?;
        Ok(Self::new(config, signing_key, database, federation_client))
    }

    /// The configuration.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The current signing key.
    pub fn signing_key(&self) -> &KeyPair {
        &self.signing_key
    }

    /// The database.
    pub fn database(&self) -> &Database {
        &self.database
    }

    /// The outgoing federation queue: `start` it once the server serves, `shutdown` it when
    /// the server stops.
    pub fn federation_sender(&self) -> &Arc<FederationSender> {
        &self.federation_sender
    }
}

/// The whole HTTP application: `/health`, the client-server and server-server routes, Matrix
/// errors for unknown paths (404) and wrong methods (405), CORS and request tracing.
pub fn app(state: AppState) -> Router {
    let state = Arc::new(state);
    Router::new()
        .route("/health", get(health))
        .merge(client_api::router(Arc::clone(&state)))
        .merge(federation::router(state))
        .fallback(client_api::unrecognized_endpoint)
        .method_not_allowed_fallback(client_api::unrecognized_method)
        .route_layer(MapRequestLayer::new(record_route))
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(|request: &Request| {
                    // The path only: a query string may carry an access token.
                    tracing::info_span!(
                        "request",
                        method = %request.method(),
                        path = request.uri().path(),
                        route = tracing::field::Empty,
                    )
                })
                .on_response(DefaultOnResponse::new().level(Level::INFO)),
        )
        .layer(cors::CorsLayer)
}

/// `GET /health`: 200 `OK` while the server runs.
async fn health() -> &'static str {
    "OK"
}

/// Records the matched route (e.g. `/_matrix/key/v2/server/{key_id}`) on the request span.
/// A plain function of the request (no future of its own around the route's), so a waiting
/// request holds nothing for it.
fn record_route(request: Request) -> Request {
    if let Some(route) = request.extensions().get::<MatchedPath>() {
        tracing::Span::current().record("route", route.as_str());
    }
    request
}
