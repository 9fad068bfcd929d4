//! A seeded generator of JSON values that stress canonical encoding: non-ASCII text in every
//! plane, control characters and escapes, keys that sort differently by code point and by UTF-16,
//! boundary integers and deep nesting.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{Map, Number, Value};

const MAX_SAFE: i64 = (1 << 53) - 1;

const CHARS: &[char] = &[
    'a',
    'Z',
    '0',
    ' ',
    '"',
    '\\',
    '/',
    '\u{0}',
    '\u{1}',
    '\u{8}',
    '\t',
    '\n',
    '\u{b}',
    '\u{c}',
    '\r',
    '\u{1f}',
    '\u{7f}',
    '\u{80}',
    'é',
    'ß',
    'Ω',
    'Я',
    'ק',
    'ع',
    'न',
    '日',
    '本',
    '語',
    '\u{200b}',
    '\u{2028}',
    '\u{2029}',
    '\u{feff}',
    '\u{ff61}',
    '\u{fffd}',
    '\u{ffff}',
    '\u{10000}',
    '😀',
    '🏳',
    '\u{1f3fb}',
    '\u{10ffff}',
    '\u{301}',
    '\u{e000}',
];

const INTS: &[i64] = &[
    0,
    1,
    -1,
    9,
    10,
    255,
    256,
    65_535,
    65_536,
    i32::MAX as i64,
    i32::MIN as i64,
    1 << 31,
    1 << 32,
    MAX_SAFE,
    -MAX_SAFE,
    MAX_SAFE - 1,
    -MAX_SAFE + 1,
    1 << 52,
];

fn string(rng: &mut StdRng) -> String {
    let len = rng.gen_range(0..12);
    (0..len)
        .map(|_| {
            if rng.gen_bool(0.25) {
                char::from(rng.gen_range(b'a'..=b'z'))
            } else {
                CHARS[rng.gen_range(0..CHARS.len())]
            }
        })
        .collect()
}

fn int(rng: &mut StdRng) -> i64 {
    if rng.gen_bool(0.5) {
        INTS[rng.gen_range(0..INTS.len())]
    } else {
        rng.gen_range(-MAX_SAFE..=MAX_SAFE)
    }
}

fn value(rng: &mut StdRng, depth: u32) -> Value {
    let leaf = depth == 0 || rng.gen_bool(0.4);
    match (leaf, rng.gen_range(0..6)) {
        (true, 0) => Value::Null,
        (true, 1) => Value::Bool(rng.gen()),
        (true, 2 | 3) => Value::Number(Number::from(int(rng))),
        (true, _) => Value::String(string(rng)),
        (false, 0..=2) => {
            let len = rng.gen_range(0..5);
            Value::Array((0..len).map(|_| value(rng, depth - 1)).collect())
        }
        (false, _) => {
            let len = rng.gen_range(0..6);
            let map: Map<String, Value> = (0..len)
                .map(|_| (string(rng), value(rng, depth - 1)))
                .collect();
            Value::Object(map)
        }
    }
}

fn nested(depth: usize, rng: &mut StdRng) -> Value {
    let mut v = Value::String(string(rng));
    for i in 0..depth {
        v = if i % 2 == 0 {
            Value::Array(vec![v, Value::Number(Number::from(int(rng)))])
        } else {
            let mut map = Map::new();
            map.insert(string(rng), v);
            Value::Object(map)
        };
    }
    v
}

/// `count` values from `seed`: mostly random trees, every 50th one nested 100 levels deep.
pub fn values(seed: u64, count: usize) -> Vec<Value> {
    let mut rng = StdRng::seed_from_u64(seed);
    (0..count)
        .map(|i| {
            if i % 50 == 49 {
                nested(100, &mut rng)
            } else {
                value(&mut rng, 6)
            }
        })
        .collect()
}
