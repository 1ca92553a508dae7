/* The line echo canceller (ITU-T G.168 in spirit): two NLMS filters in the two-path scheme (the background
 * learns, the foreground cancels and takes the background's echo path when it has proven better), Geigel
 * double-talk detector, a step that shrinks towards the line's noise, non-linear processor with comfort
 * noise; the background learns through a fixed pre-whitening filter 1 - 0.7/z, proportionately (IPNLMS,
 * alpha = 0: half of each step spread evenly over the taps, half in proportion to each tap's weight).
 * The same arithmetic as ManagedMediaKernels.CancelEcho, bit for bit. */
#include "ata_media.h"

#define WEIGHT_SHIFT 28
#define MAX_WEIGHT 0x3FFFFFFF
#define GAIN_SHIFT (WEIGHT_SHIFT - 15)
#define MAX_GAIN 32767
#define ENERGY_FLOOR 1024
#define ADAPT_ABOVE_ENERGY 2048
#define PEAK_EVERY 16
#define HANGOVER_SAMPLES 240
#define LEVEL_FRACTION 4
#define LEVEL_SHIFT 6
#define NOISE_RISE_SHIFT 10
#define FAR_END_ACTIVE_PEAK 128
#define SUPPRESS_BELOW 4
#define TRANSFER_BELOW 16
#define TRANSFER_CANCELS 8
#define TRANSFER_AFTER 128
#define RESTORE_ABOVE 2
#define RESTORE_AFTER 240
#define RESTORE_WHILE_BELOW 4
#define FULL_STEP_ABOVE 4
#define HALF_STEP_ABOVE 2
#define NOISE_STEP_SHIFT 4
#define EVEN_SHARE 128
#define PROPORTION_FLOOR 65536
#define WHITENING 22938
#define ADAPTING 1
#define SUPPRESSING 2

static int32_t magnitude(int32_t v)
{
    return v < 0 ? -v : v;
}

static int32_t limit(int32_t v)
{
    return v > INT16_MAX ? INT16_MAX : (v < INT16_MIN ? INT16_MIN : v);
}

void ata_cancel_echo(const int16_t *far_end, int16_t *near_end, int32_t count, int16_t *history,
                     int32_t *weights, int32_t taps, int64_t *state)
{
    int32_t *foreground = weights + taps;
    int32_t position = (int32_t)state[ATA_ECHO_POSITION];
    int64_t energy = state[ATA_ECHO_ENERGY];
    int32_t hangover = (int32_t)state[ATA_ECHO_HANGOVER];
    int32_t peak = (int32_t)state[ATA_ECHO_PEAK];
    int32_t countdown = (int32_t)state[ATA_ECHO_PEAK_COUNTDOWN];
    int32_t residual_level = (int32_t)state[ATA_ECHO_RESIDUAL_LEVEL];
    int32_t microphone_level = (int32_t)state[ATA_ECHO_MICROPHONE_LEVEL];
    int32_t noise = (int32_t)state[ATA_ECHO_NOISE_LEVEL];
    uint32_t seed = (uint32_t)state[ATA_ECHO_NOISE_SEED];
    int32_t flags = (int32_t)state[ATA_ECHO_FLAGS];
    int32_t step = (int32_t)state[ATA_ECHO_STEP];
    int64_t double_talk = state[ATA_ECHO_DOUBLE_TALK_SAMPLES];
    int64_t suppressed = state[ATA_ECHO_SUPPRESSED_SAMPLES];
    int32_t previous_far_end = (int32_t)state[ATA_ECHO_PREVIOUS_FAR_END];
    int32_t previous_microphone = (int32_t)state[ATA_ECHO_PREVIOUS_MICROPHONE];
    int32_t background_level = (int32_t)state[ATA_ECHO_BACKGROUND_RESIDUAL_LEVEL];
    int32_t better = (int32_t)state[ATA_ECHO_BACKGROUND_BETTER];
    int64_t transfers = state[ATA_ECHO_TRANSFER_COUNT];
    int32_t worse = (int32_t)state[ATA_ECHO_BACKGROUND_WORSE];
    int32_t whitened = 2 * taps;
    int64_t delta = (int64_t)taps * ENERGY_FLOOR;
    int32_t i;
    for (i = 0; i < count; i++) {
        int32_t x = far_end[i];
        int32_t y = near_end[i];
        int32_t xw = (x - ((WHITENING * previous_far_end) >> 15)) >> 1;
        int32_t leaving = history[whitened + position];
        int32_t newest;
        int32_t newest_whitened;
        int64_t sum = 0;
        int64_t sum_background = 0;
        int64_t sum_whitened = 0;
        int64_t spread = 0;
        int32_t e;
        int32_t eb;
        int32_t ew;
        int32_t k;
        int32_t ax;
        int32_t ay;
        int32_t ae;
        int32_t aeb;
        int32_t noise_level;
        int32_t target;
        int32_t output;
        previous_far_end = x;
        energy += (int64_t)((xw * xw) - (leaving * leaving));
        history[position] = (int16_t)x;
        history[position + taps] = (int16_t)x;
        history[whitened + position] = (int16_t)xw;
        history[whitened + position + taps] = (int16_t)xw;
        if (++position == taps) {
            position = 0;
        }

        newest = position + taps - 1;
        newest_whitened = whitened + newest;
        for (k = 0; k < taps; k++) {
            int32_t w = weights[k];
            sum_background += (int64_t)w * history[newest - k];
            spread += magnitude(w);
            sum_whitened += (int64_t)w * history[newest_whitened - k];
            sum += (int64_t)foreground[k] * history[newest - k];
        }

        e = limit(y - (int32_t)(sum >> WEIGHT_SHIFT));
        eb = limit(y - (int32_t)(sum_background >> WEIGHT_SHIFT));
        ew = ((y - ((WHITENING * previous_microphone) >> 15)) >> 1) - (int32_t)(sum_whitened >> WEIGHT_SHIFT);
        previous_microphone = y;

        ax = magnitude(x);
        if (--countdown <= 0) {
            peak = 0;
            for (k = position; k <= newest; k++) {
                int32_t a = magnitude(history[k]);
                if (a > peak) {
                    peak = a;
                }
            }

            countdown = PEAK_EVERY;
        } else if (ax > peak) {
            peak = ax;
        }

        noise_level = noise >> NOISE_RISE_SHIFT;
        ay = magnitude(y);
        ae = magnitude(e);
        aeb = magnitude(eb);
        residual_level += ((ae << LEVEL_FRACTION) - residual_level) >> LEVEL_SHIFT;
        background_level += ((aeb << LEVEL_FRACTION) - background_level) >> LEVEL_SHIFT;
        microphone_level += ((ay << LEVEL_FRACTION) - microphone_level) >> LEVEL_SHIFT;

        if (ay * 2 > peak) {
            hangover = HANGOVER_SAMPLES;
        } else if (hangover > 0) {
            hangover--;
        }

        if (hangover > 0) {
            double_talk++;
        }

        if ((flags & ADAPTING) != 0 && hangover == 0 && energy > (int64_t)taps * ADAPT_ABOVE_ENERGY) {
            int32_t mu = step;
            int64_t g;
            int64_t proportion;
            int64_t norm;
            if (background_level < noise_level * FULL_STEP_ABOVE) {
                mu = background_level < noise_level * HALF_STEP_ABOVE ? step >> NOISE_STEP_SHIFT : step >> 1;
            }

            /* Tap k's share of the step, r = 256 * L * g(k) with IPNLMS's g(k) = 1/(2L) + |w(k)|/(2 * sum |w|):
             * 128 + 128 * L * |w(k)| / sum |w|, mean 256. The step is normalised by sum r * x^2 (Q8). */
            proportion = ((int64_t)taps << 23) / (spread + PROPORTION_FLOOR);
            norm = 0;
            for (k = 0; k < taps; k++) {
                int64_t xk = history[newest_whitened - k];
                int64_t r = EVEN_SHARE + ((magnitude(weights[k]) * proportion) >> 16);
                norm += r * xk * xk;
            }

            g = (((int64_t)ew * mu) * ((int64_t)1 << GAIN_SHIFT)) / ((norm >> 8) + delta);
            if (g > MAX_GAIN) {
                g = MAX_GAIN;
            } else if (g < -MAX_GAIN) {
                g = -MAX_GAIN;
            }

            if (g != 0) {
                for (k = 0; k < taps; k++) {
                    int64_t r = EVEN_SHARE + ((magnitude(weights[k]) * proportion) >> 16);
                    int64_t w = weights[k] + ((g * r * history[newest_whitened - k]) >> 8);
                    if (w > MAX_WEIGHT) {
                        w = MAX_WEIGHT;
                    } else if (w < -MAX_WEIGHT) {
                        w = -MAX_WEIGHT;
                    }

                    weights[k] = (int32_t)w;
                }
            }
        }

        if (hangover == 0 && background_level * TRANSFER_BELOW < residual_level * (TRANSFER_BELOW - 1)
            && background_level * TRANSFER_CANCELS < microphone_level) {
            if (++better >= TRANSFER_AFTER) {
                for (k = 0; k < taps; k++) {
                    foreground[k] = weights[k];
                }

                residual_level = background_level;
                better = 0;
                transfers++;
            }
        } else {
            better = 0;
        }

        if (background_level > residual_level * RESTORE_ABOVE && residual_level * RESTORE_WHILE_BELOW < microphone_level) {
            if (++worse >= RESTORE_AFTER) {
                for (k = 0; k < taps; k++) {
                    weights[k] = foreground[k];
                }

                background_level = residual_level;
                worse = 0;
            }
        } else {
            worse = 0;
        }

        output = e;
        if (peak > FAR_END_ACTIVE_PEAK && (flags & SUPPRESSING) != 0 && hangover == 0
            && residual_level * SUPPRESS_BELOW < microphone_level) {
            seed = (seed * 1664525u) + 1013904223u;
            output = ((int16_t)(seed >> 16) * (noise_level >> LEVEL_FRACTION)) >> 14;
            suppressed++;
        }

        target = residual_level << NOISE_RISE_SHIFT;
        if (target < noise) {
            noise = target;
        } else if (peak <= FAR_END_ACTIVE_PEAK) {
            noise += (target - noise) >> NOISE_RISE_SHIFT;
        }

        near_end[i] = (int16_t)limit(output);
    }

    state[ATA_ECHO_POSITION] = position;
    state[ATA_ECHO_ENERGY] = energy;
    state[ATA_ECHO_HANGOVER] = hangover;
    state[ATA_ECHO_PEAK] = peak;
    state[ATA_ECHO_PEAK_COUNTDOWN] = countdown;
    state[ATA_ECHO_RESIDUAL_LEVEL] = residual_level;
    state[ATA_ECHO_MICROPHONE_LEVEL] = microphone_level;
    state[ATA_ECHO_NOISE_LEVEL] = noise;
    state[ATA_ECHO_NOISE_SEED] = seed;
    state[ATA_ECHO_DOUBLE_TALK_SAMPLES] = double_talk;
    state[ATA_ECHO_SUPPRESSED_SAMPLES] = suppressed;
    state[ATA_ECHO_PREVIOUS_FAR_END] = previous_far_end;
    state[ATA_ECHO_PREVIOUS_MICROPHONE] = previous_microphone;
    state[ATA_ECHO_BACKGROUND_RESIDUAL_LEVEL] = background_level;
    state[ATA_ECHO_BACKGROUND_BETTER] = better;
    state[ATA_ECHO_TRANSFER_COUNT] = transfers;
    state[ATA_ECHO_BACKGROUND_WORSE] = worse;
}
