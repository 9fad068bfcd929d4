//! Decoding a request body's framing from the bytes read off the connection: a
//! `Content-Length` count, or the chunked transfer coding (RFC 9112 §7.1). The decoders are
//! incremental: input may be split anywhere, and each call consumes what it can.

use std::ops::Range;

use super::head::BodyLength;

/// The most bytes of chunk extensions on one chunk-size line, and of trailer section, read
/// (and discarded) before the body is refused.
const MAX_CHUNK_OVERHEAD: usize = 16 * 1024;

/// Invalid chunked framing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("invalid chunked request body: {0}")]
pub(super) struct DecodeError(&'static str);

/// What one [`BodyDecoder::decode`] call did with its input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Decoded {
    /// How many bytes of the input were used (framing and data).
    pub consumed: usize,
    /// Which of them are body data (possibly empty).
    pub data: Range<usize>,
}

/// A request body's decoder.
#[derive(Debug)]
pub(super) enum BodyDecoder {
    /// `Content-Length`: how many bytes remain.
    Length(u64),
    /// The chunked transfer coding.
    Chunked(Chunked),
}

impl BodyDecoder {
    /// The decoder for `length`; `None` for a request without a body.
    pub(super) fn new(length: BodyLength) -> Option<Self> {
        match length {
            BodyLength::Empty => None,
            BodyLength::Length(length) => Some(BodyDecoder::Length(length)),
            BodyLength::Chunked => Some(BodyDecoder::Chunked(Chunked::default())),
        }
    }

    /// Whether the whole body has been decoded.
    pub(super) fn is_done(&self) -> bool {
        match self {
            BodyDecoder::Length(remaining) => *remaining == 0,
            BodyDecoder::Chunked(chunked) => chunked.state == State::Done,
        }
    }

    /// The data bytes still to come, when the framing says (`Content-Length`).
    pub(super) fn remaining(&self) -> Option<u64> {
        match self {
            BodyDecoder::Length(remaining) => Some(*remaining),
            BodyDecoder::Chunked(_) => None,
        }
    }

    /// Decodes from the start of `input`: consumes framing up to (and including) the next run
    /// of data, which it returns as a range of `input`. Stops early only at the body's end.
    pub(super) fn decode(&mut self, input: &[u8]) -> Result<Decoded, DecodeError> {
        match self {
            BodyDecoder::Length(remaining) => {
                let take = usize::try_from(*remaining).map_or(input.len(), |r| r.min(input.len()));
                *remaining -= take as u64;
                Ok(Decoded {
                    consumed: take,
                    data: 0..take,
                })
            }
            BodyDecoder::Chunked(chunked) => chunked.decode(input),
        }
    }
}

/// Where the chunked decoder is (RFC 9112 §7.1 grammar).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
enum State {
    /// In chunk-size's hex digits.
    #[default]
    Size,
    /// After chunk-size, in whitespace before `;` or CRLF.
    SizeSpace,
    /// In chunk extensions (ignored, RFC 9112 §7.1.1), until CR.
    Extension,
    /// After the chunk-size line's CR.
    SizeLf,
    /// In chunk-data: this many bytes remain.
    Data(u64),
    /// After chunk-data, expecting CR.
    DataCr,
    /// After chunk-data's CR.
    DataLf,
    /// At the start of a trailer field line, or of the final CRLF.
    TrailerStart,
    /// In a trailer field line (discarded, RFC 9112 §7.1.2), until CR.
    Trailer,
    /// After a trailer field line's CR.
    TrailerLf,
    /// After the final CR.
    EndLf,
    /// After the final CRLF.
    Done,
}

/// The chunked transfer coding's decoder. Line ends must be CRLF: a bare CR or LF in the
/// framing is an error rather than a guess (a request smuggling vector).
#[derive(Debug, Default)]
pub(super) struct Chunked {
    state: State,
    /// The chunk size read so far.
    size: u64,
    /// Whether chunk-size has at least one digit.
    digits: bool,
    /// Bytes of extensions on this line, or of the trailer section.
    overhead: usize,
}

impl Chunked {
    fn decode(&mut self, input: &[u8]) -> Result<Decoded, DecodeError> {
        let mut at = 0;
        while at < input.len() {
            if let State::Data(remaining) = self.state {
                let available = input.len() - at;
                let take = usize::try_from(remaining).map_or(available, |r| r.min(available));
                let left = remaining - take as u64;
                self.state = if left == 0 {
                    State::DataCr
                } else {
                    State::Data(left)
                };
                return Ok(Decoded {
                    consumed: at + take,
                    data: at..at + take,
                });
            }
            if self.state == State::Done {
                break;
            }
            self.step(input[at])?;
            at += 1;
        }
        Ok(Decoded {
            consumed: at,
            data: at..at,
        })
    }

    /// Takes one framing byte.
    fn step(&mut self, byte: u8) -> Result<(), DecodeError> {
        self.state = match (self.state, byte) {
            (State::Size, b';') if self.digits => self.extension_byte()?,
            (State::Size, b' ' | b'\t') if self.digits => State::SizeSpace,
            (State::Size, b'\r') if self.digits => State::SizeLf,
            (State::Size, digit) => {
                let value = (digit as char)
                    .to_digit(16)
                    .ok_or(DecodeError("chunk size is not hexadecimal"))?;
                self.size = self
                    .size
                    .checked_mul(16)
                    .map(|size| size + u64::from(value))
                    .ok_or(DecodeError("chunk size overflows"))?;
                self.digits = true;
                State::Size
            }
            (State::SizeSpace, b' ' | b'\t') => State::SizeSpace,
            (State::SizeSpace, b';') => self.extension_byte()?,
            (State::SizeSpace | State::Extension, b'\r') => State::SizeLf,
            (State::Extension, b'\n') => return Err(DecodeError("bare LF in chunk extension")),
            (State::Extension, _) => self.extension_byte()?,
            (State::SizeLf, b'\n') => {
                let size = std::mem::take(&mut self.size);
                self.digits = false;
                self.overhead = 0;
                if size == 0 {
                    State::TrailerStart
                } else {
                    State::Data(size)
                }
            }
            (State::DataCr, b'\r') => State::DataLf,
            (State::DataLf, b'\n') => State::Size,
            (State::TrailerStart, b'\r') => State::EndLf,
            (State::TrailerStart | State::Trailer, b'\n') => {
                return Err(DecodeError("bare LF in trailer section"))
            }
            (State::Trailer, b'\r') => State::TrailerLf,
            (State::TrailerStart | State::Trailer, _) => {
                self.overhead += 1;
                if self.overhead > MAX_CHUNK_OVERHEAD {
                    return Err(DecodeError("trailer section too large"));
                }
                State::Trailer
            }
            (State::TrailerLf, b'\n') => State::TrailerStart,
            (State::EndLf, b'\n') => State::Done,
            (State::Data(_) | State::Done, _) => self.state,
            _ => return Err(DecodeError("malformed chunk framing")),
        };
        Ok(())
    }

    /// Counts one byte of chunk extension.
    fn extension_byte(&mut self) -> Result<State, DecodeError> {
        self.overhead += 1;
        if self.overhead > MAX_CHUNK_OVERHEAD {
            return Err(DecodeError("chunk extensions too large"));
        }
        Ok(State::Extension)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Decodes `parts` fed one after the other as separate reads; returns the body and whether
    /// the decoder finished, and the bytes left unconsumed after the body's end.
    fn decode_all(
        decoder: &mut BodyDecoder,
        parts: &[&[u8]],
    ) -> Result<(Vec<u8>, Vec<u8>), DecodeError> {
        let mut body = Vec::new();
        let mut leftover = Vec::new();
        for part in parts {
            let mut input = *part;
            while !input.is_empty() {
                if decoder.is_done() {
                    leftover.extend_from_slice(input);
                    break;
                }
                let decoded = decoder.decode(input)?;
                body.extend_from_slice(&input[decoded.data.clone()]);
                assert!(decoded.consumed > 0 || decoder.is_done(), "progress");
                input = &input[decoded.consumed..];
            }
        }
        Ok((body, leftover))
    }

    fn chunked() -> BodyDecoder {
        BodyDecoder::new(BodyLength::Chunked).expect("decoder")
    }

    const MESSAGE: &[u8] =
        b"5\r\nhello\r\n7;name=value;x\r\n, world\r\n0\r\nExpires: never\r\nX: y\r\n\r\nGET /next";

    #[test]
    fn chunked_bodies_are_decoded_with_extensions_and_trailers_dropped() {
        let mut decoder = chunked();
        let (body, leftover) = decode_all(&mut decoder, &[MESSAGE]).expect("valid");
        assert_eq!(body, b"hello, world");
        assert!(decoder.is_done());
        assert_eq!(leftover, b"GET /next");
    }

    #[test]
    fn chunked_bodies_split_anywhere_decode_the_same() {
        for split in 1..MESSAGE.len() {
            let mut decoder = chunked();
            let (first, second) = MESSAGE.split_at(split);
            let (body, leftover) = decode_all(&mut decoder, &[first, second]).expect("valid");
            assert_eq!(body, b"hello, world", "split at {split}");
            assert_eq!(leftover, b"GET /next", "split at {split}");
        }
        let mut decoder = chunked();
        let bytes: Vec<&[u8]> = MESSAGE.chunks(1).collect();
        let (body, _) = decode_all(&mut decoder, &bytes).expect("valid");
        assert_eq!(body, b"hello, world");
    }

    #[test]
    fn an_unfinished_chunked_body_is_not_done() {
        let mut decoder = chunked();
        let (body, _) = decode_all(&mut decoder, &[b"5\r\nhel"]).expect("valid so far");
        assert_eq!(body, b"hel");
        assert!(!decoder.is_done());
        let (_, _) = decode_all(&mut decoder, &[b"lo\r\n0\r\n"]).expect("valid so far");
        assert!(!decoder.is_done(), "the final CRLF is missing");
        let (_, _) = decode_all(&mut decoder, &[b"\r\n"]).expect("valid");
        assert!(decoder.is_done());
    }

    #[test]
    fn bad_chunked_framing_is_an_error() {
        for bad in [
            &b"g\r\n"[..],
            b"\r\n",
            b";ext\r\n",
            b"5\nhello\r\n",
            b"5\r\nhelloX\r\n",
            b"5\r\nhello\r\r",
            b"5;ext\nhello",
            b"5 x\r\n",
            b"10000000000000000\r\n",
            b"0\r\nTrailer: x\n\r\n",
            b"0\r\n\n",
        ] {
            let mut decoder = chunked();
            assert!(
                decode_all(&mut decoder, &[bad]).is_err(),
                "{:?}",
                String::from_utf8_lossy(bad)
            );
        }
        let mut decoder = chunked();
        let long_extension = format!("1;{}\r\n", "x".repeat(MAX_CHUNK_OVERHEAD));
        assert!(decode_all(&mut decoder, &[long_extension.as_bytes()]).is_err());
    }

    #[test]
    fn whitespace_before_extensions_or_line_end_is_accepted() {
        let mut decoder = chunked();
        let (body, _) = decode_all(&mut decoder, &[b"3 \t;a\r\nabc\r\n0 \r\n\r\n"]).expect("valid");
        assert_eq!(body, b"abc");
        assert!(decoder.is_done());
    }

    #[test]
    fn content_length_bodies_stop_at_their_length() {
        let mut decoder = BodyDecoder::new(BodyLength::Length(5)).expect("decoder");
        assert_eq!(decoder.remaining(), Some(5));
        let (body, leftover) = decode_all(&mut decoder, &[b"he", b"llo", b"GET"]).expect("valid");
        assert_eq!(
            (body.as_slice(), leftover.as_slice()),
            (&b"hello"[..], &b"GET"[..])
        );
        assert!(decoder.is_done());
        assert!(BodyDecoder::new(BodyLength::Empty).is_none());
    }
}
