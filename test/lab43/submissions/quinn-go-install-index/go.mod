module lab43

go 1.24
