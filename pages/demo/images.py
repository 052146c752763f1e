"""Illustrations for the demo content, drawn locally with Pillow (nothing downloaded)."""

import hashlib
import io
import random

from PIL import Image, ImageDraw

PALETTES = [
    ("#1b4d89", "#5fa8d3", "#fde68a"),
    ("#b93d0c", "#f59e0b", "#fff7ed"),
    ("#166534", "#4ade80", "#ecfccb"),
    ("#6d28d9", "#c4b5fd", "#fdf4ff"),
    ("#0f766e", "#5eead4", "#f0fdfa"),
    ("#9d174d", "#f9a8d4", "#fff1f2"),
]


def draw_illustration(title, width=1600, height=1000):
    """A JPEG of a gradient sky with hills and bubbles, in colours chosen by ``title``.

    The drawing depends only on the title, so the demo is the same on every run.
    No text is drawn: the page shows the title beside the picture.
    """
    seed = int(hashlib.sha256(title.encode()).hexdigest()[:8], 16)
    rng = random.Random(seed)
    dark, light, pale = PALETTES[seed % len(PALETTES)]

    image = Image.new("RGB", (width, height), pale)
    draw = ImageDraw.Draw(image)
    top, bottom = Image.new("RGB", (1, 1), light).getpixel((0, 0)), Image.new("RGB", (1, 1), pale).getpixel((0, 0))
    for y in range(height):
        ratio = y / height
        colour = tuple(int(top[i] + (bottom[i] - top[i]) * ratio) for i in range(3))
        draw.line([(0, y), (width, y)], fill=colour)

    for _ in range(14):
        radius = rng.randint(30, 160)
        x, y = rng.randint(0, width), rng.randint(0, int(height * 0.6))
        draw.ellipse([x - radius, y - radius, x + radius, y + radius], fill=pale, outline=light, width=6)

    for layer in range(3):
        base = int(height * (0.62 + layer * 0.1))
        points = [(0, height)]
        for x in range(0, width + 200, 200):
            points.append((x, base - rng.randint(0, 140)))
        points.append((width, height))
        draw.polygon(points, fill=dark if layer == 2 else light)

    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=82, optimize=True)
    return buffer.getvalue()
