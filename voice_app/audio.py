"""Read-aloud audio: checking, re-encoding and placeholder recordings. No Flask imports.

Every clip is stored twice: Opus in Ogg (small, most devices) and AAC in MP4 (older
iPads). Whatever comes in is decoded by its content, never trusted by its name, and
re-encoded, so nothing a user uploads is ever served back byte for byte.
"""

from __future__ import annotations

import io
import shutil
import subprocess
from dataclasses import dataclass

import av
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from voice_app.coverage import text_fingerprint
from voice_app.models import AudioClip, QuestionText

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
MAX_SECONDS = 60
SAMPLE_RATE = 48_000
CODECS = {"opus": ("ogg", "libopus", "audio/ogg"), "aac": ("mp4", "aac", "audio/mp4")}
# espeak-ng voices for placeholder audio; it has none for Pashto or Somali.
ESPEAK_VOICES = {
    "en_GB": "en-gb",
    "cy": "cy",
    "pl": "pl",
    "ro": "ro",
    "pt": "pt",
    "uk": "uk",
    "ar": "ar",
    "ur": "ur",
    "bn": "bn",
    "pa": "pa",
}


class AudioError(ValueError):
    """The audio cannot be used; ``code`` picks the friendly message."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class EncodedClip:
    codec: str  # "opus" or "aac"
    mime_type: str
    data: bytes
    duration_ms: int


def _decode(data: bytes, max_seconds: int) -> tuple[list[av.AudioFrame], int]:
    """Decode any audio container to mono 48 kHz frames; refuse what is not audio."""
    try:
        container = av.open(io.BytesIO(data), mode="r")
    except (av.FFmpegError, ValueError) as error:
        raise AudioError("not_audio") from error
    with container:
        if not container.streams.audio:
            raise AudioError("not_audio")
        stream = container.streams.audio[0]
        resampler = av.AudioResampler(format="s16", layout="mono", rate=SAMPLE_RATE)
        frames: list[av.AudioFrame] = []
        samples = 0
        try:
            for frame in container.decode(stream):
                for out in resampler.resample(frame):
                    samples += out.samples
                    frames.append(out)
                if samples > max_seconds * SAMPLE_RATE:
                    raise AudioError("too_long")
            frames.extend(resampler.resample(None))
        except av.FFmpegError as error:
            raise AudioError("not_audio") from error
    if samples == 0:
        raise AudioError("not_audio")
    return frames, samples


def _encode(frames: list[av.AudioFrame], codec: str) -> bytes:
    container_format, encoder, _mime = CODECS[codec]
    buffer = io.BytesIO()
    with av.open(buffer, mode="w", format=container_format) as output:
        stream = output.add_stream(encoder, rate=SAMPLE_RATE)
        stream.layout = "mono"
        if codec == "opus":
            stream.bit_rate = 24_000  # speech: small files on poor Wi-Fi
        else:
            stream.bit_rate = 48_000
        resampler = av.AudioResampler(
            format=stream.codec_context.format.name, layout="mono", rate=SAMPLE_RATE
        )
        for frame in frames:
            frame.pts = None
            for converted in resampler.resample(frame):
                for packet in stream.encode(converted):
                    output.mux(packet)
        for converted in resampler.resample(None):
            for packet in stream.encode(converted):
                output.mux(packet)
        for packet in stream.encode(None):
            output.mux(packet)
    return buffer.getvalue()


def encode_for_devices(
    data: bytes, *, max_bytes: int = MAX_UPLOAD_BYTES, max_seconds: int = MAX_SECONDS
) -> list[EncodedClip]:
    """Check an upload or recording and re-encode it as Opus and AAC."""
    if len(data) > max_bytes:
        raise AudioError("too_large")
    frames, samples = _decode(data, max_seconds)
    duration_ms = round(1000 * samples / SAMPLE_RATE)
    return [
        EncodedClip(codec, CODECS[codec][2], _encode(frames, codec), duration_ms)
        for codec in CODECS
    ]


def placeholder_wav(text: str, language: str) -> bytes:
    """Synthetic speech from espeak-ng, for development and tests only."""
    voice = ESPEAK_VOICES.get(language)
    executable = shutil.which("espeak-ng")
    if voice is None or executable is None:
        raise AudioError("no_placeholder_voice")
    result = subprocess.run(  # noqa: S603 - fixed executable, text passed as one argument
        [executable, "-v", voice, "--stdout", "--", text],
        capture_output=True,
        check=True,
        timeout=60,
    )
    return result.stdout


def add_placeholder_audio(db_session: Session, languages: list[str]) -> int:
    """Give every question text in these languages espeak-ng audio where it has none.

    The clips are marked as placeholders: pages label them as a computer voice, and the
    coverage report never counts them as recordings.
    """
    made = 0
    texts = db_session.scalars(
        select(QuestionText).where(QuestionText.language.in_(languages))
    ).all()
    have = set(db_session.scalars(select(AudioClip.question_text_id).distinct()))
    for text in texts:
        if text.id in have or text.language not in ESPEAK_VOICES:
            continue
        spoken = f"{text.wording} {text.help_text}".strip()
        for clip in encode_for_devices(placeholder_wav(spoken, text.language)):
            db_session.add(
                AudioClip(
                    question_text_id=text.id,
                    codec=clip.codec,
                    text_sha256=text_fingerprint(text.wording, text.help_text),
                    data=clip.data,
                    duration_ms=clip.duration_ms,
                    is_placeholder=True,
                )
            )
        made += 1
    db_session.flush()
    return made


def store_recording(
    db_session: Session, text: QuestionText, data: bytes, *, recorded_by_id: int | None
) -> list[AudioClip]:
    """A person's recording of one text: checked, re-encoded, and replacing any older clips.

    Raises AudioError (nothing stored) when it is not audio, too big or too long.
    """
    encoded = encode_for_devices(data)
    db_session.execute(delete(AudioClip).where(AudioClip.question_text_id == text.id))
    clips = [
        AudioClip(
            question_text_id=text.id,
            codec=clip.codec,
            text_sha256=text_fingerprint(text.wording, text.help_text),
            data=clip.data,
            duration_ms=clip.duration_ms,
            is_placeholder=False,
            recorded_by_id=recorded_by_id,
        )
        for clip in encoded
    ]
    db_session.add_all(clips)
    db_session.flush()
    return clips
