mod exactly_once;
