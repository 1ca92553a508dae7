/* G.711 companding: the segment search of the managed reference (Ata.Core.Tones.G711). */
#include "ata_media.h"

static const int32_t alaw_segment_ends[8] = { 0x1F, 0x3F, 0x7F, 0xFF, 0x1FF, 0x3FF, 0x7FF, 0xFFF };
static const int32_t mulaw_segment_ends[8] = { 0x3F, 0x7F, 0xFF, 0x1FF, 0x3FF, 0x7FF, 0xFFF, 0x1FFF };

static int32_t segment(int32_t value, const int32_t *ends)
{
    int32_t i;
    for (i = 0; i < 8; i++) {
        if (value <= ends[i]) {
            return i;
        }
    }

    return 8;
}

static uint8_t alaw_of(int16_t sample)
{
    int32_t pcm = sample >> 3;
    int32_t mask;
    int32_t seg;
    int32_t value;
    if (pcm >= 0) {
        mask = 0xD5;
    } else {
        mask = 0x55;
        pcm = -pcm - 1;
    }

    seg = segment(pcm, alaw_segment_ends);
    if (seg >= 8) {
        return (uint8_t)(0x7F ^ mask);
    }

    value = seg << 4;
    value |= seg < 2 ? (pcm >> 1) & 0x0F : (pcm >> seg) & 0x0F;
    return (uint8_t)(value ^ mask);
}

static int16_t linear_of_alaw(uint8_t code)
{
    int32_t a = code ^ 0x55;
    int32_t t = (a & 0x0F) << 4;
    int32_t seg = (a & 0x70) >> 4;
    switch (seg) {
    case 0:
        t += 8;
        break;
    case 1:
        t += 0x108;
        break;
    default:
        t += 0x108;
        t <<= seg - 1;
        break;
    }

    return (int16_t)((a & 0x80) != 0 ? t : -t);
}

static uint8_t mulaw_of(int16_t sample)
{
    int32_t pcm = sample >> 2;
    int32_t mask;
    int32_t seg;
    int32_t value;
    if (pcm < 0) {
        pcm = -pcm;
        mask = 0x7F;
    } else {
        mask = 0xFF;
    }

    if (pcm > 8159) {
        pcm = 8159;
    }

    pcm += 0x84 >> 2;
    seg = segment(pcm, mulaw_segment_ends);
    if (seg >= 8) {
        return (uint8_t)(0x7F ^ mask);
    }

    value = (seg << 4) | ((pcm >> (seg + 1)) & 0x0F);
    return (uint8_t)(value ^ mask);
}

static int16_t linear_of_mulaw(uint8_t code)
{
    int32_t u = ~code & 0xFF;
    int32_t t = ((u & 0x0F) << 3) + 0x84;
    t <<= (u & 0x70) >> 4;
    return (int16_t)((u & 0x80) != 0 ? 0x84 - t : t - 0x84);
}

void ata_alaw_encode(const int16_t *pcm, uint8_t *coded, int32_t count)
{
    int32_t i;
    for (i = 0; i < count; i++) {
        coded[i] = alaw_of(pcm[i]);
    }
}

void ata_alaw_decode(const uint8_t *coded, int16_t *pcm, int32_t count)
{
    int32_t i;
    for (i = 0; i < count; i++) {
        pcm[i] = linear_of_alaw(coded[i]);
    }
}

void ata_mulaw_encode(const int16_t *pcm, uint8_t *coded, int32_t count)
{
    int32_t i;
    for (i = 0; i < count; i++) {
        coded[i] = mulaw_of(pcm[i]);
    }
}

void ata_mulaw_decode(const uint8_t *coded, int16_t *pcm, int32_t count)
{
    int32_t i;
    for (i = 0; i < count; i++) {
        pcm[i] = linear_of_mulaw(coded[i]);
    }
}
