# shellcheck shell=bash
# Serial-port discovery shared by tools/flash and tools/console. Source this file.
#
#   serial_ports            prints the USB serial ports present, one per line (/dev/ttyACM*, /dev/ttyUSB*)
#   serial_pick ROLE        prints the port for ROLE (flash = the USB bridge's first channel,
#                           console = its second) or explains on stderr and returns 1
#
# ATA_SERIAL_DEV (default /dev) and ATA_SERIAL_BY_ID (default /dev/serial/by-id) say where to look,
# so the discovery can be tested without a board.

serial_ports() {
    local dev="${ATA_SERIAL_DEV:-/dev}" port
    for port in "$dev"/ttyACM* "$dev"/ttyUSB*; do
        [ -e "$port" ] && echo "$port"
    done
    return 0
}

serial_pick() {
    local role="$1" by_id="${ATA_SERIAL_BY_ID:-/dev/serial/by-id}" interface link
    # The reference board's dual USB-UART bridge shows two interfaces: if00 (UART0: flashing and the
    # nanoFramework debugger) and if01 (UART1: the technician console).
    interface="if00"
    [ "$role" = console ] && interface="if01"
    for link in "$by_id"/*-"$interface"*; do
        if [ -e "$link" ]; then
            readlink -f "$link"
            return 0
        fi
    done

    local ports=()
    mapfile -t ports < <(serial_ports)
    case "${#ports[@]}" in
        0)
            echo "no USB serial port found (looked for ${ATA_SERIAL_DEV:-/dev}/ttyACM* and ttyUSB*)." >&2
            echo "Plug the board's USB port into this computer and check that the cable carries data (some are power-only);" >&2
            echo "'dmesg | tail' shows whether the bridge was seen. Or name the port: --port /dev/ttyUSB0." >&2
            return 1
            ;;
        1)
            if [ "$role" = console ]; then
                echo "note: only one serial port (${ports[0]}); on the reference board the console is the bridge's second port." >&2
            fi
            echo "${ports[0]}"
            ;;
        *)
            echo "several serial ports found: ${ports[*]}; say which one with --port." >&2
            return 1
            ;;
    esac
}
