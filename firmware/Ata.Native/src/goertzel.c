/* The DTMF receiver's Goertzel bank (Ata.Core.Dtmf.DtmfDetector), in the managed reference's fixed point. */
#include "ata_media.h"

#define GOERTZEL_SHIFT 14

int64_t ata_goertzel_feed(const int16_t *samples, int32_t count, const int32_t *coefficients,
                          int32_t *s1, int32_t *s2, int32_t filters)
{
    int64_t energy = 0;
    int32_t i;
    int32_t f;
    for (i = 0; i < count; i++) {
        int32_t x = samples[i] >> 2;
        energy += x * x;
        for (f = 0; f < filters; f++) {
            int32_t s0 = x + (int32_t)(((int64_t)coefficients[f] * s1[f]) >> GOERTZEL_SHIFT) - s2[f];
            s2[f] = s1[f];
            s1[f] = s0;
        }
    }

    return energy;
}

void ata_goertzel_power(const int32_t *coefficients, int32_t *s1, int32_t *s2, int64_t *power,
                        int32_t filters)
{
    int32_t f;
    for (f = 0; f < filters; f++) {
        int64_t a = s1[f];
        int64_t b = s2[f];
        power[f] = (a * a) + (b * b) - ((((int64_t)coefficients[f] * a) >> GOERTZEL_SHIFT) * b);
        s1[f] = 0;
        s2[f] = 0;
    }
}
