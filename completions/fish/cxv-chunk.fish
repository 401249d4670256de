function __cxv-chunk_should_offer_completions_for_flags_or_options -a expected_commands
    set -l non_repeating_flags_or_options $argv[2..]
    set -l non_repeating_flags_or_options_absent 0
    set -l positional_index 0
    set -l commands
    __cxv-chunk_parse_tokens
    test "$commands" = "$expected_commands"; and return $non_repeating_flags_or_options_absent
end

function __cxv-chunk_should_offer_completions_for_positional -a expected_commands positional_index_comparison expected_positional_index
    set -l non_repeating_flags_or_options
    set -l non_repeating_flags_or_options_absent 0
    set -l positional_index 0
    set -l commands
    __cxv-chunk_parse_tokens
    test "$commands" = "$expected_commands" -a \( "$positional_index" "$positional_index_comparison" "$expected_positional_index" \)
end

function __cxv-chunk_parse_tokens -S
    set -l unparsed_tokens (__cxv-chunk_tokens -pc)
    switch $unparsed_tokens[1]
    case 'cxv-chunk'
        __cxv-chunk_parse_subcommand -r 1 'api=' 'external-id=' 'size=' 'max-bytes=' 'columns=' 'skip-invalid' 'max-line-bytes=' 'o/output=' 'log-level=' 'log-format=' 'q/quiet' 'progress' 'no-progress' 'version' 'h/help'
        switch $unparsed_tokens[1]
        case 'help'
            __cxv-chunk_parse_subcommand -r 1 'version'
        end
    end
end

function __cxv-chunk_tokens
    if test (string split -m 1 -f 1 -- . "$FISH_VERSION") -gt 3
        commandline --tokens-raw $argv
    else
        commandline -o $argv
    end
end

function __cxv-chunk_parse_subcommand -S -a positional_count
    argparse -s r -- $argv
    set -l option_specs $argv[2..]
    set -l is_repeating_positional $_flag_r
    set -el _flag_r
    set -a commands $unparsed_tokens[1]
    set positional_index 0
    while true
        set -e unparsed_tokens[1]
        argparse -sn "$commands" $option_specs -- $unparsed_tokens 2> /dev/null
        set unparsed_tokens $argv
        set positional_index (math $positional_index + 1)
        for non_repeating_flag_or_option in $non_repeating_flags_or_options
            if set -ql "_flag_$(string replace -a - _ -- $non_repeating_flag_or_option)"
                set non_repeating_flags_or_options_absent 1
                break
            end
        end
        test (count $unparsed_tokens) -eq 0 -o \( -z "$is_repeating_positional" -a "$positional_index" -gt "$positional_count" \) && break
    end
end

function __cxv-chunk_complete_directories
    set -l token (commandline -t)
    string match -- '*/' $token
    set -l subdirs $token*/
    printf %s\n $subdirs
end

function __cxv-chunk_custom_completion
    set -x SAP_SHELL fish
    set -x SAP_SHELL_VERSION $FISH_VERSION
    set -l tokens (__cxv-chunk_tokens -p)
    if test -z "$(__cxv-chunk_tokens -t)"
        set -l index (count (__cxv-chunk_tokens -pc))
        set tokens $tokens[..$index] \'\' $tokens[(math $index + 1)..]
    end
    command $tokens[1] $argv $tokens
end

complete -c 'cxv-chunk' -f
complete -c 'cxv-chunk' -n '__cxv-chunk_should_offer_completions_for_flags_or_options "cxv-chunk" api' -l 'api' -d 'The import API to shape chunks for: contacts-import (the tutorial\'s) or call-lists (CXone\'s calling lists). Default: $CXONE_API, else contacts-import.' -rfka 'contacts-import call-lists'
complete -c 'cxv-chunk' -n '__cxv-chunk_should_offer_completions_for_flags_or_options "cxv-chunk" external-id' -l 'external-id' -d 'Under --api call-lists, where each contact\'s external id comes from: field, its external_id (cxv-validate --map external_id=COLUMN), the default; or phone, its E.164 phone_number, for files with no id column (an external_id is then ignored).' -rfka 'field phone'
complete -c 'cxv-chunk' -n '__cxv-chunk_should_offer_completions_for_flags_or_options "cxv-chunk" size' -l 'size' -d 'Rows per chunk at most (call-lists: at most 500000).' -rfka ''
complete -c 'cxv-chunk' -n '__cxv-chunk_should_offer_completions_for_flags_or_options "cxv-chunk" max-bytes' -l 'max-bytes' -d 'Bytes of CSV per chunk at most, header included (call-lists: at most 256000000).' -rfka ''
complete -c 'cxv-chunk' -n '__cxv-chunk_should_offer_completions_for_flags_or_options "cxv-chunk" columns' -l 'columns' -d 'Extra columns after the API\'s, comma-separated: each from the contact\'s `extra` member of that name, or its external_id for external_id.' -rfka ''
complete -c 'cxv-chunk' -n '__cxv-chunk_should_offer_completions_for_flags_or_options "cxv-chunk" skip-invalid' -l 'skip-invalid' -d 'Turn input lines that are not JSON records into rejects instead of stopping with status 65.'
complete -c 'cxv-chunk' -n '__cxv-chunk_should_offer_completions_for_flags_or_options "cxv-chunk" max-line-bytes' -l 'max-line-bytes' -d 'Refuse input lines longer than this many bytes.' -rfka ''
complete -c 'cxv-chunk' -n '__cxv-chunk_should_offer_completions_for_positional "cxv-chunk" -ge 1' -F
complete -c 'cxv-chunk' -n '__cxv-chunk_should_offer_completions_for_flags_or_options "cxv-chunk" o output' -s 'o' -l 'output' -d 'Write to FILE instead of stdout; FILE appears whole once the stage has read all its input (exit 0, 1 or 69), else not at all.' -rF
complete -c 'cxv-chunk' -n '__cxv-chunk_should_offer_completions_for_flags_or_options "cxv-chunk" log-level' -l 'log-level' -d 'What to say on stderr: error, warning, info (what was done) or debug (every request).' -rfka 'error warning info debug'
complete -c 'cxv-chunk' -n '__cxv-chunk_should_offer_completions_for_flags_or_options "cxv-chunk" log-format' -l 'log-format' -d 'text, or json: one object a line, for batch systems that collect logs.' -rfka 'text json'
complete -c 'cxv-chunk' -n '__cxv-chunk_should_offer_completions_for_flags_or_options "cxv-chunk" q quiet' -s 'q' -l 'quiet' -d 'Say nothing on stderr but errors (--log-level error) and draw no progress line.'
complete -c 'cxv-chunk' -n '__cxv-chunk_should_offer_completions_for_flags_or_options "cxv-chunk" progress' -l 'progress' -d 'Draw a live line of counts on stderr, or never. Default: cxv-report draws one when stderr is a terminal; the other stages when stderr is a terminal and they write to a file (-o or >), not into a pipe. NO_COLOR turns its color off.'
complete -c 'cxv-chunk' -n '__cxv-chunk_should_offer_completions_for_flags_or_options "cxv-chunk" no-progress' -l 'no-progress' -d 'Draw a live line of counts on stderr, or never. Default: cxv-report draws one when stderr is a terminal; the other stages when stderr is a terminal and they write to a file (-o or >), not into a pipe. NO_COLOR turns its color off.'
complete -c 'cxv-chunk' -n '__cxv-chunk_should_offer_completions_for_flags_or_options "cxv-chunk" version' -l 'version' -d 'Show the version.'
complete -c 'cxv-chunk' -n '__cxv-chunk_should_offer_completions_for_flags_or_options "cxv-chunk" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'cxv-chunk' -n '__cxv-chunk_should_offer_completions_for_positional "cxv-chunk" -eq 2' -fa 'help' -d 'Show subcommand help information.'
complete -c 'cxv-chunk' -n '__cxv-chunk_should_offer_completions_for_flags_or_options "cxv-chunk help" version' -l 'version' -d 'Show the version.'
