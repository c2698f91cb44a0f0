module vkemu.test/guests

go 1.22
