/* The jitter buffer's play-out steps for loss concealment: pitch search, repetition, cross-fade. */
#include "ata_media.h"

#define GAIN_SHIFT 15

int32_t ata_pitch_lag(const int16_t *history, int32_t end, int32_t window, int32_t min_lag,
                      int32_t max_lag)
{
    int32_t best = min_lag;
    int32_t best_sum = INT32_MAX;
    int32_t from = end - window;
    int32_t lag;
    for (lag = min_lag; lag <= max_lag; lag++) {
        int32_t sum = 0;
        int32_t i;
        for (i = from; i < end; i++) {
            int32_t d = history[i] - history[i - lag];
            sum += d < 0 ? -d : d;
        }

        if (sum < best_sum) {
            best_sum = sum;
            best = lag;
        }
    }

    return best;
}

void ata_repeat(const int16_t *period_start, int32_t period, int32_t phase, int16_t *target,
                int32_t count, int32_t gain_from, int32_t gain_to)
{
    int32_t p = phase % period;
    int32_t i;
    for (i = 0; i < count; i++) {
        int32_t gain = gain_from + ((gain_to - gain_from) * i / count);
        target[i] = (int16_t)((period_start[p] * gain) >> GAIN_SHIFT);
        if (++p == period) {
            p = 0;
        }
    }
}

void ata_cross_fade(const int16_t *from, int16_t *target, int32_t count)
{
    int32_t i;
    for (i = 0; i < count; i++) {
        target[i] = (int16_t)(((from[i] * (count - i)) + (target[i] * i)) / count);
    }
}
