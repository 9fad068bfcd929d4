//! Interning event ids and `(type, state_key)` pairs to integers, and writing entry rows, in
//! batches (multi-row `IN`/`VALUES` lists) so a snapshot of a large room costs a few round trips.

use std::collections::{BTreeMap, HashMap};

use crate::storage::write::Tx;

use crate::storage::{Dialect, StorageError};

/// Text tuple → its integer.
pub(crate) type Interned = HashMap<Vec<String>, i64>;

/// Interns event ids into `event_nids`.
pub(super) async fn intern_event_ids(
    conn: &mut Tx<'_>,
    dialect: Dialect,
    event_ids: &[&str],
) -> Result<Interned, StorageError> {
    let values: Vec<Vec<&str>> = event_ids.iter().map(|id| vec![*id]).collect();
    intern(
        conn,
        dialect,
        "event_nids",
        "event_nid",
        &["event_id"],
        values,
    )
    .await
}

/// Interns `(type, state_key)` pairs into `state_keys`.
pub(super) async fn intern_state_keys(
    conn: &mut Tx<'_>,
    dialect: Dialect,
    keys: &[(&str, &str)],
) -> Result<Interned, StorageError> {
    let values: Vec<Vec<&str>> = keys.iter().map(|(t, k)| vec![*t, *k]).collect();
    intern(
        conn,
        dialect,
        "state_keys",
        "state_key_nid",
        &["event_type", "state_key"],
        values,
    )
    .await
}

/// Looks the tuples up, inserts the missing ones (`ON CONFLICT DO NOTHING RETURNING`), and looks
/// up again whatever a concurrent writer inserted first. `table` and the column names are
/// constants of this module.
async fn intern(
    conn: &mut Tx<'_>,
    dialect: Dialect,
    table: &str,
    nid_column: &str,
    columns: &[&str],
    mut values: Vec<Vec<&str>>,
) -> Result<Interned, StorageError> {
    values.sort_unstable();
    values.dedup();
    let column_list = columns.join(", ");
    let chunk_rows = dialect.max_bind_params() / columns.len();
    let mut interned = Interned::with_capacity(values.len());
    let select = |n: usize| {
        format!(
            "SELECT {column_list}, {nid_column} FROM {table} WHERE ({column_list}) IN ({})",
            Dialect::values_rows(n, columns.len())
        )
    };
    for chunk in values.chunks(chunk_rows) {
        fetch_into(
            conn,
            &select(chunk.len()),
            chunk,
            columns.len(),
            &mut interned,
        )
        .await?;
    }
    let missing: Vec<Vec<&str>> = values
        .into_iter()
        .filter(|value| !interned.contains_key(&owned(value)))
        .collect();
    for chunk in missing.chunks(chunk_rows) {
        let insert = format!(
            "INSERT INTO {table} ({column_list}) VALUES {} ON CONFLICT ({column_list}) DO NOTHING \
             RETURNING {column_list}, {nid_column}",
            Dialect::values_rows(chunk.len(), columns.len())
        );
        fetch_into(conn, &insert, chunk, columns.len(), &mut interned).await?;
        let raced: Vec<Vec<&str>> = chunk
            .iter()
            .filter(|value| !interned.contains_key(&owned(value)))
            .cloned()
            .collect();
        if !raced.is_empty() {
            fetch_into(
                conn,
                &select(raced.len()),
                &raced,
                columns.len(),
                &mut interned,
            )
            .await?;
        }
    }
    Ok(interned)
}

/// Runs `sql` with the flattened tuples bound, reading `(columns…, nid)` rows into `interned`.
async fn fetch_into(
    conn: &mut Tx<'_>,
    sql: &str,
    tuples: &[Vec<&str>],
    width: usize,
    interned: &mut Interned,
) -> Result<(), StorageError> {
    let mut query = conn.query(sql);
    for part in tuples.iter().flatten() {
        query = query.bind(*part);
    }
    for row in query.fetch_all().await? {
        let key = (0..width)
            .map(|i| row.try_get_index::<String>(i))
            .collect::<Result<Vec<_>, _>>()?;
        interned.insert(key, row.try_get_index(width)?);
    }
    Ok(())
}

fn owned(value: &[&str]) -> Vec<String> {
    value.iter().map(|part| (*part).to_owned()).collect()
}

/// Writes a group's entry rows (`None`: the key is removed relative to the delta base).
pub(super) async fn insert_entries(
    conn: &mut Tx<'_>,
    dialect: Dialect,
    group: i64,
    entries: &BTreeMap<i64, Option<i64>>,
) -> Result<(), StorageError> {
    let entries: Vec<(&i64, &Option<i64>)> = entries.iter().collect();
    for chunk in entries.chunks(dialect.max_bind_params() / 3) {
        let sql = format!(
            "INSERT INTO state_group_entries (state_group, state_key_nid, event_nid) VALUES {}",
            Dialect::values_rows(chunk.len(), 3)
        );
        let mut query = conn.query(&sql);
        for (key, event) in chunk {
            query = query.bind(group).bind(**key).bind(**event);
        }
        query.execute().await?;
    }
    Ok(())
}
