function __cxv-gzip_should_offer_completions_for_flags_or_options -a expected_commands
    set -l non_repeating_flags_or_options $argv[2..]
    set -l non_repeating_flags_or_options_absent 0
    set -l positional_index 0
    set -l commands
    __cxv-gzip_parse_tokens
    test "$commands" = "$expected_commands"; and return $non_repeating_flags_or_options_absent
end

function __cxv-gzip_should_offer_completions_for_positional -a expected_commands positional_index_comparison expected_positional_index
    set -l non_repeating_flags_or_options
    set -l non_repeating_flags_or_options_absent 0
    set -l positional_index 0
    set -l commands
    __cxv-gzip_parse_tokens
    test "$commands" = "$expected_commands" -a \( "$positional_index" "$positional_index_comparison" "$expected_positional_index" \)
end

function __cxv-gzip_parse_tokens -S
    set -l unparsed_tokens (__cxv-gzip_tokens -pc)
    switch $unparsed_tokens[1]
    case 'cxv-gzip'
        __cxv-gzip_parse_subcommand -r 1 'level=' 'd/decompress' 'jobs=' 'skip-invalid' 'max-line-bytes=' 'o/output=' 'log-level=' 'log-format=' 'q/quiet' 'progress' 'no-progress' 'version' 'h/help'
        switch $unparsed_tokens[1]
        case 'help'
            __cxv-gzip_parse_subcommand -r 1 'version'
        end
    end
end

function __cxv-gzip_tokens
    if test (string split -m 1 -f 1 -- . "$FISH_VERSION") -gt 3
        commandline --tokens-raw $argv
    else
        commandline -o $argv
    end
end

function __cxv-gzip_parse_subcommand -S -a positional_count
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

function __cxv-gzip_complete_directories
    set -l token (commandline -t)
    string match -- '*/' $token
    set -l subdirs $token*/
    printf %s\n $subdirs
end

function __cxv-gzip_custom_completion
    set -x SAP_SHELL fish
    set -x SAP_SHELL_VERSION $FISH_VERSION
    set -l tokens (__cxv-gzip_tokens -p)
    if test -z "$(__cxv-gzip_tokens -t)"
        set -l index (count (__cxv-gzip_tokens -pc))
        set tokens $tokens[..$index] \'\' $tokens[(math $index + 1)..]
    end
    command $tokens[1] $argv $tokens
end

complete -c 'cxv-gzip' -f
complete -c 'cxv-gzip' -n '__cxv-gzip_should_offer_completions_for_flags_or_options "cxv-gzip" level' -l 'level' -d 'Compression level, 1 (fastest) to 9 (smallest).' -rfka ''
complete -c 'cxv-gzip' -n '__cxv-gzip_should_offer_completions_for_flags_or_options "cxv-gzip" d decompress' -s 'd' -l 'decompress' -d 'Turn compressed chunks back into built ones.'
complete -c 'cxv-gzip' -n '__cxv-gzip_should_offer_completions_for_flags_or_options "cxv-gzip" jobs' -l 'jobs' -d 'Compress on this many threads (default: the number of cores).' -rfka ''
complete -c 'cxv-gzip' -n '__cxv-gzip_should_offer_completions_for_flags_or_options "cxv-gzip" skip-invalid' -l 'skip-invalid' -d 'Turn input lines that are not JSON records into rejects instead of stopping with status 65.'
complete -c 'cxv-gzip' -n '__cxv-gzip_should_offer_completions_for_flags_or_options "cxv-gzip" max-line-bytes' -l 'max-line-bytes' -d 'Refuse input lines longer than this many bytes.' -rfka ''
complete -c 'cxv-gzip' -n '__cxv-gzip_should_offer_completions_for_positional "cxv-gzip" -ge 1' -F
complete -c 'cxv-gzip' -n '__cxv-gzip_should_offer_completions_for_flags_or_options "cxv-gzip" o output' -s 'o' -l 'output' -d 'Write to FILE instead of stdout; FILE appears whole once the stage has read all its input (exit 0, 1 or 69), else not at all.' -rF
complete -c 'cxv-gzip' -n '__cxv-gzip_should_offer_completions_for_flags_or_options "cxv-gzip" log-level' -l 'log-level' -d 'What to say on stderr: error, warning, info (what was done) or debug (every request).' -rfka 'error warning info debug'
complete -c 'cxv-gzip' -n '__cxv-gzip_should_offer_completions_for_flags_or_options "cxv-gzip" log-format' -l 'log-format' -d 'text, or json: one object a line, for batch systems that collect logs.' -rfka 'text json'
complete -c 'cxv-gzip' -n '__cxv-gzip_should_offer_completions_for_flags_or_options "cxv-gzip" q quiet' -s 'q' -l 'quiet' -d 'Say nothing on stderr but errors (--log-level error) and draw no progress line.'
complete -c 'cxv-gzip' -n '__cxv-gzip_should_offer_completions_for_flags_or_options "cxv-gzip" progress' -l 'progress' -d 'Draw a live line of counts on stderr, or never. Default: cxv-report draws one when stderr is a terminal; the other stages when stderr is a terminal and they write to a file (-o or >), not into a pipe. NO_COLOR turns its color off.'
complete -c 'cxv-gzip' -n '__cxv-gzip_should_offer_completions_for_flags_or_options "cxv-gzip" no-progress' -l 'no-progress' -d 'Draw a live line of counts on stderr, or never. Default: cxv-report draws one when stderr is a terminal; the other stages when stderr is a terminal and they write to a file (-o or >), not into a pipe. NO_COLOR turns its color off.'
complete -c 'cxv-gzip' -n '__cxv-gzip_should_offer_completions_for_flags_or_options "cxv-gzip" version' -l 'version' -d 'Show the version.'
complete -c 'cxv-gzip' -n '__cxv-gzip_should_offer_completions_for_flags_or_options "cxv-gzip" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'cxv-gzip' -n '__cxv-gzip_should_offer_completions_for_positional "cxv-gzip" -eq 2' -fa 'help' -d 'Show subcommand help information.'
complete -c 'cxv-gzip' -n '__cxv-gzip_should_offer_completions_for_flags_or_options "cxv-gzip help" version' -l 'version' -d 'Show the version.'
