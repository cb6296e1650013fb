"""The Chinese OCR engine behind image-only PDF pages: RapidOCR (PP-OCR models on onnxruntime).

Why this engine: ``rapidocr`` installs from PyPI with its detection, recognition and orientation
models *inside the wheel* (``rapidocr/models/*.onnx``; the recogniser's character set is stored in
its ONNX metadata), runs on onnxruntime's CPU wheels and reads simplified Chinese, digits and the
full-width punctuation of statements well. PaddleOCR needs paddlepaddle and fetches its models from a
hub on first use, as do EasyOCR (torch) and CnOCR; Tesseract is not on PyPI. So nothing is downloaded
here: every model path is set to the file shipped in the installed package, and a missing file is
an ``OcrUnavailable`` error, never a download.

RapidOCR logs INFO lines through its own ``RapidOCR`` logger with its own stderr handler; that logger
is set to ERROR before the engine is built, and onnxruntime's own log to errors only, so nothing
reaches the user's terminal.

The engine is built once per process (building is cheap, the first run loads the models) and shared.
``read`` returns ``Word`` objects: the text of one detected box, its mean confidence, and per character
its box (image pixels) and confidence.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from omreview.rules import OcrSettings

PixelBox = tuple[float, float, float, float]  # x0, top, x1, bottom in image pixels

_LOGGER_NAME = "RapidOCR"
# onnxruntime reuses its buffers from call to call: the same outputs for ~5-10% less CPU (docs/performance.md);
# scripts/bench_ocr.py --before turns it off to measure the path before it
MEMORY_ARENA = True
# and one arena for all the models, grown in powers of two, with no memory pattern: a pattern is planned and kept
# for each input size and the detector sees a new size nearly every page; each model's own arena with patterns
# held ~730 MB at the peak of three scans read in a row, the shared one ~455 MB, the same outputs, no more CPU
# (docs/performance.md, issue #20 point 4); scripts/bench_ocr.py --before turns it off to measure the peak before
SHARED_ARENA = True
# the model files of the installed wheel, by task: rapidocr 3.9+ ships PP-OCRv6 small det/rec and the v2 mobile
# orientation classifier; another release's files are found by their pattern
MODEL_FILES = {
    "Det": ("PP-OCRv6_det_small.onnx", "*det*.onnx"),
    "Rec": ("PP-OCRv6_rec_small.onnx", "*rec*.onnx"),
    "Cls": ("ch_ppocr_mobile_v2.0_cls_mobile.onnx", "*cls*.onnx"),
}


class OcrUnavailable(Exception):
    """The OCR engine or its shipped models are not installed."""


@dataclass(frozen=True)
class Char:
    text: str
    box: PixelBox
    score: float


@dataclass(frozen=True)
class Word:
    """One detected text box: its recognised text, mean confidence, outline and characters."""

    text: str
    score: float
    box: PixelBox
    chars: tuple[Char, ...]


def models_dir() -> Path:
    try:
        import rapidocr
    except ImportError as exc:
        raise OcrUnavailable("the OCR engine (rapidocr) is not installed") from exc
    return Path(rapidocr.__file__).resolve().parent / "models"


def model_paths() -> dict[str, Path]:
    """The shipped model file of each task; ``OcrUnavailable`` if one is missing (it is never fetched)."""
    root = models_dir()
    paths: dict[str, Path] = {}
    for task, (name, pattern) in MODEL_FILES.items():
        found = root / name if (root / name).is_file() else next(iter(sorted(root.glob(pattern))), None)
        if found is None:
            raise OcrUnavailable(f"the OCR models are not installed with rapidocr (no {name} in {root})")
        paths[task] = found
    return paths


def _quiet() -> None:
    logging.getLogger(_LOGGER_NAME).setLevel(logging.ERROR)
    try:
        import onnxruntime

        onnxruntime.set_default_logger_severity(3)  # errors only
    except ImportError:
        pass


# RapidOCR keeps the flags of a call for the next one: every call states all of them
_DETECT = {"use_det": True, "use_cls": False, "use_rec": False, "return_word_box": False}
_READ = {"use_det": True, "use_cls": False, "use_rec": True, "return_word_box": True, "return_single_char_box": True}
_RECOGNIZE = {"use_det": False, "use_cls": False, "use_rec": True, "return_word_box": True}


class Engine:
    """A RapidOCR instance configured from the rules (threads, detector size); no classifier run."""

    def __init__(self, settings: OcrSettings) -> None:
        paths = model_paths()
        _quiet()
        try:
            from rapidocr import RapidOCR
        except ImportError as exc:  # onnxruntime or another dependency missing
            raise OcrUnavailable(f"the OCR engine cannot be loaded ({exc})") from exc
        params: dict[str, Any] = {
            "Global.log_level": "error",
            "Global.use_cls": False,  # page orientation is settled per page (ocr_pages), not per box
            "Global.text_score": 0.3,  # keep doubtful boxes: their low confidence is reported, not hidden
            "Det.limit_type": "max",
            "Det.limit_side_len": settings.det_max_side,
            "EngineConfig.onnxruntime.intra_op_num_threads": settings.threads,
            "EngineConfig.onnxruntime.inter_op_num_threads": 1,
            "EngineConfig.onnxruntime.enable_cpu_mem_arena": MEMORY_ARENA,
            "Rec.rec_batch_num": settings.rec_batch,
        }
        params |= {f"{task}.model_path": str(path) for task, path in paths.items()}
        with _session_options(MEMORY_ARENA and SHARED_ARENA):
            self._ocr = RapidOCR(params=params)
            # the models are loaded now, while the session options hold (RapidOCR loads each on first use)
            self._ocr._load_det_model()  # type: ignore[no-untyped-call]
            self._ocr._load_rec_model()  # type: ignore[no-untyped-call]
        _quiet()
        self._lock = threading.Lock()

    def detect_quads(self, image: np.ndarray) -> list[np.ndarray]:
        """The detected boxes as quadrilaterals (4 points, clockwise from top-left)."""
        with self._lock:
            out = self._ocr(image, **_DETECT)
        boxes = getattr(out, "boxes", None)
        return [] if boxes is None else [np.asarray(q, dtype=float) for q in boxes]

    def read(self, image: np.ndarray) -> list[Word]:
        """Detect and recognise every text line of ``image``, with character boxes and confidences."""
        with self._lock:
            out = self._ocr(image, **_READ)
        txts = getattr(out, "txts", None)
        boxes, scores = getattr(out, "boxes", None), getattr(out, "scores", None)
        if not txts or boxes is None or scores is None:
            return []
        words = []
        details = list(getattr(out, "word_results", None) or ())
        for i, (quad, text, score) in enumerate(zip(boxes, txts, scores, strict=True)):
            box = _aabb(quad)
            chars = _chars(details[i] if i < len(details) else (), text, box, float(score))
            words.append(Word(text=text, score=float(score), box=box, chars=chars))
        return words

    def recognize(self, crops: list[np.ndarray]) -> list[tuple[str, float, tuple[float, ...]]]:
        """The text, mean confidence and per-character confidences of each cropped line image (in batches)."""
        if not crops:
            return []
        crops = [np.repeat(c[:, :, None], 3, axis=2) if c.ndim == 2 else c for c in crops]
        with self._lock:
            self._ocr.update_params(**_RECOGNIZE)  # type: ignore[no-untyped-call]  # rapidocr leaves it unannotated
            out = self._ocr.recognize_txt(crops)
        txts = getattr(out, "txts", None) or ("",) * len(crops)
        scores = getattr(out, "scores", None) or (0.0,) * len(crops)
        details = getattr(out, "word_results", None) or (None,) * len(crops)
        return [
            (t, float(s), tuple(float(c) for c in getattr(d, "confs", ()) or ()))
            for t, s, d in zip(txts, scores, details, strict=True)
        ]


_shared_arena = False


@contextlib.contextmanager
def _session_options(shared: bool) -> Iterator[None]:
    """With ``shared``, while RapidOCR builds its onnxruntime sessions: no memory pattern, and the process's one
    arena (registered on first use) instead of an arena of each session. RapidOCR's own options
    (``_init_sess_opts``: threads, arena on or off) have neither setting, so they are wrapped for that time."""
    global _shared_arena
    if not shared:  # RapidOCR's own options: an arena of each session (or none), memory patterns
        yield
        return
    import onnxruntime as ort
    from rapidocr.inference_engine.onnxruntime import main as ort_main

    if not _shared_arena:
        cpu = ort.OrtMemoryInfo("Cpu", ort.OrtAllocatorType.ORT_ARENA_ALLOCATOR, 0, ort.OrtMemType.DEFAULT)
        # no limit, extended in powers of two (0; 1 = as requested held ~630 MB), default first chunk and splitting
        ort.create_and_register_allocator(cpu, ort.OrtArenaCfg(0, 0, -1, -1))
        _shared_arena = True
    cls = ort_main.OrtInferSession
    built = cls.__dict__["_init_sess_opts"]

    def options(cfg: Any) -> Any:
        opts = built.__func__(cfg)
        opts.enable_mem_pattern = False
        opts.add_session_config_entry("session.use_env_allocators", "1")
        return opts

    cls._init_sess_opts = staticmethod(options)  # type: ignore[method-assign]
    try:
        yield
    finally:
        cls._init_sess_opts = built  # type: ignore[method-assign]


def _aabb(quad: Any) -> PixelBox:
    pts = np.asarray(quad, dtype=float).reshape(-1, 2)
    return float(pts[:, 0].min()), float(pts[:, 1].min()), float(pts[:, 0].max()), float(pts[:, 1].max())


def _chars(details: Any, text: str, box: PixelBox, score: float) -> tuple[Char, ...]:
    """Per-character boxes and scores from RapidOCR's single-character results, or spread over ``box``."""
    found = [(str(t), _aabb(b), float(s)) for t, s, b in details if b is not None]
    if found and "".join(t for t, _, _ in found) == text.replace(" ", ""):
        out = []
        for t, b, s in found:
            if len(t) == 1:
                out.append(Char(t, b, s))
            else:  # a multi-character piece: share its box
                step = (b[2] - b[0]) / len(t)
                out.extend(Char(ch, (b[0] + k * step, b[1], b[0] + (k + 1) * step, b[3]), s) for k, ch in enumerate(t))
        return tuple(out)
    visible = [ch for ch in text if not ch.isspace()]
    if not visible:
        return ()
    weights = [1.0 if ord(ch) > 0x2E7F else 0.55 for ch in visible]  # Han and full-width forms are wider
    unit = (box[2] - box[0]) / sum(weights)
    out, x = [], box[0]
    for ch, w in zip(visible, weights, strict=True):
        out.append(Char(ch, (x, box[1], x + w * unit, box[3]), score))
        x += w * unit
    return tuple(out)


_engines: dict[tuple[int, int, int, bool, bool], Engine] = {}
_engines_lock = threading.Lock()


def engine(settings: OcrSettings) -> Engine:
    """The process's engine for the settings it is built from (threads, detector size, recognition batch), built on
    first use."""
    key = (settings.threads, settings.det_max_side, settings.rec_batch, MEMORY_ARENA, SHARED_ARENA)
    with _engines_lock:
        if key not in _engines:
            _engines[key] = Engine(settings)
        return _engines[key]
