"""Screenshots and photos: French OCR by the `tesseract` program (Debian's tesseract-ocr and
tesseract-ocr-fra), one thread, with a timeout.

When the program is missing the extraction fails with a reason that says so, and
`ocr_status()` lets the search and evidence pages tell users that images are not searchable.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import warnings
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, UnidentifiedImageError

from search.extraction.limits import Budget, ExtractionError

OCR_MISSING = "OCR indisponible : tesseract n'est pas installé"
OCR_LANGUAGE_MISSING = "OCR indisponible : la langue française de tesseract (paquet tesseract-ocr-fra) n'est pas installée"
OCR_LANGUAGE = "fra"
# Formats tesseract (through leptonica) reads directly; others are converted to PNG first.
DIRECT_FORMATS = {"PNG", "JPEG", "TIFF", "BMP"}
# Small screenshots are enlarged: tesseract reads text best at about 30 pixels per line.
MIN_WIDTH = 1000


@dataclass(frozen=True)
class OcrStatus:
    available: bool
    reason: str = ""


def tesseract_path() -> str | None:
    """Where the program is, looked up in the PATH of this moment (tests change it)."""
    return shutil.which("tesseract")


def ocr_status() -> OcrStatus:
    if tesseract_path() is None:
        return OcrStatus(False, OCR_MISSING)
    return OcrStatus(True)


def _prepared_image(path: Path, budget: Budget, workdir: Path) -> Path:
    """The image as tesseract should read it, after checking its size (decompression bombs)."""
    limits = budget.limits
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path) as image:
                width, height = image.size
                if width * height > limits.max_image_pixels:
                    raise ExtractionError(
                        f"Image trop grande pour la reconnaissance de texte ({width}×{height} pixels)."
                    )
                if image.format in DIRECT_FORMATS and width >= MIN_WIDTH and getattr(image, "n_frames", 1) == 1:
                    return path
                image.seek(0)
                converted = image.convert("RGBA" if image.mode in ("RGBA", "LA", "P") else "RGB")
                if width < MIN_WIDTH:
                    factor = min(4, -(-MIN_WIDTH // max(1, width)))
                    converted = converted.resize((width * factor, height * factor), Image.Resampling.LANCZOS)
                target = workdir / "image.png"
                converted.save(target, "PNG")
                return target
    except ExtractionError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ExtractionError("Image trop grande pour la reconnaissance de texte (trop de pixels).") from None
    except (UnidentifiedImageError, OSError, ValueError):
        raise ExtractionError("Image illisible : format non reconnu ou fichier endommagé.") from None


def extract_image(path: Path, budget: Budget) -> str:
    program = tesseract_path()
    if program is None:
        raise ExtractionError(OCR_MISSING)
    with tempfile.TemporaryDirectory(prefix="probatio-ocr-") as workdir:
        image = _prepared_image(path, budget, Path(workdir))
        budget.check_time("la préparation de l'image")
        timeout = max(1.0, min(budget.limits.ocr_seconds, budget.remaining()))
        env = dict(os.environ, OMP_THREAD_LIMIT="1")
        try:
            completed = subprocess.run(
                [program, str(image), "-", "-l", OCR_LANGUAGE],
                capture_output=True, timeout=timeout, env=env, check=False,
            )
        except subprocess.TimeoutExpired:
            raise ExtractionError(f"Reconnaissance de texte trop longue (plus de {timeout:.0f} s) : abandonnée.") from None
        except OSError as error:
            raise ExtractionError(f"{OCR_MISSING} ({error.strerror or error}).") from None
    stderr = completed.stderr.decode("utf-8", "replace")
    if completed.returncode != 0:
        if "Failed loading language" in stderr or "Error opening data file" in stderr:
            raise ExtractionError(OCR_LANGUAGE_MISSING)
        last_line = stderr.strip().splitlines()[-1] if stderr.strip() else f"code {completed.returncode}"
        raise ExtractionError(f"La reconnaissance de texte a échoué : {last_line[:200]}")
    text = completed.stdout.decode("utf-8", "replace").replace("\x0c", "\n")
    lines = (line.rstrip() for line in text.splitlines())
    return "\n".join(line for line in lines if line.strip())[: budget.limits.max_text_chars]
